/**
 * The packaged app (electron-builder.json) must leave Dawn's `dawn.node` outside the asar archive, so the
 * training process (Electron's utility process) can dlopen it: a native module cannot be loaded from inside
 * an archive. The webgpu package's index.js loads `dist/<platform>-<arch>/dawn.node` from its own folder;
 * Electron sends a load of an unpacked entry of app.asar to app.asar.unpacked, so no path change is needed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '..', '..', '..');
interface BuilderConfig {
  asar?: boolean;
  asarUnpack?: string[];
  files?: string[];
  linux?: { files?: string[] };
  mac?: { files?: string[] };
  win?: { files?: string[] };
}
const config = JSON.parse(readFileSync(path.join(repo, 'electron-builder.json'), 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const matches = (file: string, patterns: readonly string[]) => patterns.some((p) => path.matchesGlob(file, p));
/** The binaries the installed webgpu package ships, as paths inside the app (one folder per platform-arch). */
const dawnDir = path.join(repo, 'node_modules', 'webgpu', 'dist');
const shipped = existsSync(dawnDir)
  ? readdirSync(dawnDir).flatMap((platform) =>
      readdirSync(path.join(dawnDir, platform)).map((f) => ({ platform, file: `node_modules/webgpu/dist/${platform}/${f}` })),
    )
  : [];

describe('electron-builder packaging of the webgpu backend', () => {
  it('ships webgpu as a production dependency inside an asar archive', () => {
    expect(pkg.dependencies.webgpu).toBeDefined();
    expect(config.asar).toBe(true);
  });

  it('unpacks every dawn.node the webgpu package ships, and the DLLs beside the Windows ones', () => {
    const dawn = shipped.filter((s) => s.file.endsWith('/dawn.node'));
    expect(dawn.map((s) => s.platform)).toContain('linux-x64');
    for (const s of shipped) expect(matches(s.file, config.asarUnpack ?? []), s.file).toBe(true);
    // The app's own code stays packed.
    expect(matches('out/main/worker.js', config.asarUnpack ?? [])).toBe(false);
  });

  it("each platform's build drops the other platforms' binaries but keeps its own", () => {
    const own: Record<'linux' | 'mac' | 'win', string> = { linux: 'linux-', mac: 'darwin-', win: 'win32-' };
    for (const [target, prefix] of Object.entries(own) as Array<[keyof typeof own, string]>) {
      const excludes = (config[target]?.files ?? []).filter((p) => p.startsWith('!')).map((p) => p.slice(1));
      for (const s of shipped) {
        const excluded = matches(s.file, excludes);
        expect(excluded, `${target}: ${s.file}`).toBe(!s.platform.startsWith(prefix));
      }
    }
  });
});
