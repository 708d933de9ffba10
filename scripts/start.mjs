#!/usr/bin/env node
// `npm start`: build, then open the Electron app. Electron >= 44 downloads its binary on first use, from
// outside the npm registry; where that download cannot happen, say so plainly and point to web mode.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));

function electronBinary() {
  const dir = path.dirname(require.resolve('electron/package.json'));
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const pathFile = path.join(dir, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : 'electron';
  const bin = override ? path.join(override, rel) : path.join(dir, 'dist', rel);
  return { dir, bin, present: existsSync(bin) && existsSync(pathFile) };
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  return r.status ?? 1;
}

let electron = electronBinary();
if (!electron.present) {
  console.log('Electron binary not found; trying its one-time download...');
  const attempt = spawnSync(process.execPath, [path.join(electron.dir, 'install.js')], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  const status = attempt.status;
  const firstError = `${attempt.stderr ?? ''}${attempt.stdout ?? ''}`.split('\n').find((l) => /error|fail/i.test(l));
  if (status !== 0 && firstError) console.error(`  download failed: ${firstError.trim()}`);
  electron = electronBinary();
  if (status !== 0 || !electron.present) {
    console.error(`
DFER Workbench cannot open its desktop window: the Electron binary is missing.

  What is missing: ${electron.bin}
  Why: Electron downloads its binary on first use from its release server, not from the npm registry,
       and that download failed on this machine (no network access to it).
  How to get it:
    - on a machine with internet access, run: npx install-electron
    - or set ELECTRON_OVERRIDE_DIST_PATH to a folder holding an unpacked Electron ${JSON.parse(readFileSync(path.join(electron.dir, 'package.json'), 'utf8')).version}
    - or set ELECTRON_MIRROR to a reachable mirror and run npm start again

  Meanwhile the whole workbench runs in your browser: npm run serve
`);
    process.exit(1);
  }
}

if (run('npx', ['electron-vite', 'build']) !== 0) process.exit(1);
const child = spawn(electron.bin, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
