/**
 * Test videos of a real face, made at test time with ffmpeg (@ffmpeg-installer/ffmpeg) from a photo
 * face-api ships in its demo folder (sample1.jpg, a smiling woman on the right): the face, cut out with
 * head and shoulders, moves slowly over a grey 640x480 background. Also a Y4M for Chromium's fake camera.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
export const FFMPEG = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
export const FACE_PHOTO = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', 'sample1.jpg');

/** Where the face tile's top-left corner is at time t (seconds): a slow horizontal swing with a small bob. */
export const FACE_MOTION = { x: '200+100*sin(2*PI*t/4)', y: '110+20*sin(2*PI*t/2)' };

/**
 * A `seconds`-long video at `fps` into `file` (.mp4, .webm or .y4m by extension). The motion has a 4 s
 * period, so a 4 s file loops seamlessly (Chromium's fake camera replays its file).
 */
export function makeFaceVideo(file: string, opts: { seconds?: number; fps?: number } = {}): string {
  const seconds = opts.seconds ?? 4;
  const fps = opts.fps ?? 15;
  const codec = file.endsWith('.y4m') ? [] : file.endsWith('.webm') ? ['-c:v', 'libvpx', '-b:v', '1M'] : ['-c:v', 'libx264', '-preset', 'ultrafast'];
  execFileSync(
    FFMPEG,
    [
      '-v', 'error', '-y',
      '-f', 'lavfi', '-i', `color=c=0x808890:s=640x480:r=${fps}:d=${seconds}`,
      '-loop', '1', '-i', FACE_PHOTO,
      '-filter_complex', `[1]crop=560:640:1300:60,scale=240:-2[face];[0][face]overlay=x='${FACE_MOTION.x}':y='${FACE_MOTION.y}':shortest=1,format=yuv420p`,
      '-t', String(seconds), ...codec, file,
    ],
    { stdio: 'pipe' },
  );
  return file;
}
