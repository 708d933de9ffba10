/**
 * Which ffmpeg decodes user-chosen videos. A system `ffmpeg` on PATH comes first: it gets the
 * distribution's security fixes, while @ffmpeg-installer/ffmpeg bundles ffmpeg 4.1 built in 2018. The
 * bundled binary is the fallback where PATH has none (or only one that does not run). `dfer info` and the
 * System view report the choice, with the version the binary prints.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface FfmpegChoice {
  path: string;
  source: 'system' | 'bundled';
  /** As `ffmpeg -version` prints it (`6.1.1-3ubuntu5`, `4.1`); null when it printed no version line. */
  version: string | null;
}

export type FfmpegReport = FfmpegChoice | { path: null; source: 'none'; version: null; reason: string };

/** Where to look; tests replace both. */
export interface FfmpegLookup {
  /** The PATH to search (default process.env.PATH). */
  pathEnv?: string;
  /** The bundled binary's path, or throws when the package has no binary for this platform. */
  bundled?: () => string;
}

const requireCjs = createRequire(import.meta.url);

function bundledPath(): string {
  return (requireCjs('@ffmpeg-installer/ffmpeg') as { path: string }).path;
}

/** Every `ffmpeg` executable on a PATH string, in PATH order. */
export function ffmpegOnPath(pathEnv: string): string[] {
  const names = process.platform === 'win32' ? ['ffmpeg.exe', 'ffmpeg'] : ['ffmpeg'];
  const out: string[] = [];
  for (const dir of pathEnv.split(path.delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      const file = path.join(dir, name);
      try {
        accessSync(file, constants.X_OK);
        out.push(file);
        break;
      } catch {
        /* not here */
      }
    }
  }
  return out;
}

/** The version `file -version` prints, or undefined when it does not run. */
export function ffmpegVersion(file: string): Promise<string | null | undefined> {
  return new Promise((resolve) => {
    execFile(file, ['-version'], { timeout: 10_000 }, (err, stdout) => {
      if (err) return resolve(undefined);
      resolve(/^ffmpeg version (\S+)/m.exec(String(stdout))?.[1] ?? null);
    });
  });
}

/** System ffmpeg first, bundled second; the reason when there is neither. */
export async function findFfmpeg(lookup: FfmpegLookup = {}): Promise<FfmpegReport> {
  for (const file of ffmpegOnPath(lookup.pathEnv ?? process.env.PATH ?? '')) {
    const version = await ffmpegVersion(file);
    if (version !== undefined) return { path: file, source: 'system', version };
  }
  let bundled: string;
  try {
    bundled = (lookup.bundled ?? bundledPath)();
  } catch (err) {
    return noFfmpeg(`no ffmpeg on PATH, and @ffmpeg-installer/ffmpeg has no binary for ${process.platform}-${process.arch}: ${(err as Error).message}`);
  }
  const version = await ffmpegVersion(bundled);
  if (version === undefined) return noFfmpeg(`no ffmpeg on PATH, and the bundled ${bundled} does not run`);
  return { path: bundled, source: 'bundled', version };
}

function noFfmpeg(reason: string): FfmpegReport {
  return { path: null, source: 'none', version: null, reason: `${reason}. Install ffmpeg (e.g. apt install ffmpeg) to import videos.` };
}

let cached: Promise<FfmpegReport> | undefined;

/** The ffmpeg this process uses, looked up once. */
export function ffmpeg(): Promise<FfmpegReport> {
  cached ??= findFfmpeg();
  return cached;
}

/** The ffmpeg binary to run, or an error saying why there is none. */
export async function ffmpegPath(): Promise<string> {
  const report = await ffmpeg();
  if (report.path === null) throw new Error(`ffmpeg is not available: ${report.reason}`);
  return report.path;
}
