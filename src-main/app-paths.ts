/**
 * Where the app's own files are (resources/, the built UI), whether the code runs from source (tests),
 * from the build (out/main/...), or from a packaged Electron app: walk up from this module to the folder
 * whose package.json is this app's.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

export function appRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'dfer-workbench') return (cached = dir);
      } catch {
        /* keep walking */
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the DFER Workbench folder above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export function resourcesDir(): string {
  return path.join(appRoot(), 'resources');
}

export function rendererDir(): string {
  return path.join(appRoot(), 'out', 'renderer');
}
