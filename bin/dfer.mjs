#!/usr/bin/env node
// Entry of the `dfer` command. The CLI is TypeScript, built by `npm run build` into out/main/cli.js.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('dfer: the workbench is not built yet (out/main/cli.js is missing). Run `npm run build` once.\n');
  process.exit(1);
}
const { main } = await import(pathToFileURL(cli).href);
await main(process.argv);
