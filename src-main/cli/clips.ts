/** `dfer clips list|import|delete`: the workspace's recorded clips (the app's Clips view records them). */
import { Option, type Command } from 'commander';
import path from 'node:path';
import type { IntensityName } from '../api/types';
import { BACKEND_CHOICES } from '../../src-shared/run-config';
import type { BackendPreference } from '../engine/backend';
import { DEFAULT_IMPORT_FPS, importClip } from '../services/clip-import';
import { listClips } from '../services/clips';
import { deleteClip } from '../workspace/clip-store';
import { parseIntOption, workspaceFrom } from './common';
import { createProgress } from './progress';

export function registerClipCommands(program: Command): void {
  const clips = program.command('clips').description("the workspace's recorded clips (record them in the app's Clips view)");

  clips
    .command('list')
    .description('list recorded clips: id, label, intensity, frames, and whether a face was found')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const all = await listClips(workspaceFrom(program));
      if (opts.json) return void process.stdout.write(JSON.stringify(all, null, 2) + '\n');
      if (all.length === 0) return void process.stdout.write('no recorded clips yet: record some in the Clips view of the app (or `dfer serve`)\n');
      for (const c of all) {
        const face = c.flagged ? `  NO FACE in ${c.frameCount - c.faceFrames} of ${c.frameCount} frames` : '';
        process.stdout.write(
          `${c.id.padEnd(40)} ${c.label.padEnd(9)} ${c.intensity.padEnd(5)} ${String(c.frameCount).padStart(4)} frames ${c.width}x${c.height}` +
            `${c.subject ? `  subject ${c.subject}` : ''}${face}${c.problem ? `  (${c.problem})` : ''}\n`,
        );
      }
    });

  clips
    .command('import <path>')
    .description('import a video file or a folder of frames as a clip: the face is found and cropped as when recording')
    .requiredOption('--label <emotion>', 'the emotion shown (e.g. Happy)')
    .addOption(new Option('--intensity <level>', 'how strongly it is shown').choices(['low', 'mid', 'high']).makeOptionMandatory())
    .option('--subject <name>', 'who is in the clip')
    .option('--notes <text>', 'notes', '')
    .option('--id <id>', 'clip id (default: from the time, label and intensity)')
    .option('--fps <n>', 'frames per second taken from a video', parseIntOption('--fps', 1, 60), DEFAULT_IMPORT_FPS)
    .option('--size <px>', 'side of the square face crops', parseIntOption('--size', 16, 448), 112)
    .addOption(new Option('--backend <name>', 'compute backend of the face detector').choices(BACKEND_CHOICES).default('auto'))
    .action(async (source: string, opts: { label: string; intensity: IntensityName; subject?: string; notes: string; id?: string; fps: number; size: number; backend: BackendPreference }) => {
      const bar = createProgress('importing');
      let result;
      try {
        result = await importClip(workspaceFrom(program), path.resolve(source), { ...opts, onProgress: (d, t, label) => bar.update(d, t, label) });
      } finally {
        bar.stop();
      }
      const c = result.clip;
      process.stdout.write(`clip ${c.id}: ${c.frameCount} frames of ${c.width}x${c.height}, ${c.label} ${c.intensity}, face found in ${c.faceFrames} of ${c.frameCount} frames\n`);
      if (c.flagged) process.stderr.write(`warning: no face was found in most frames of ${source}; the crops may not show a face (delete it with: dfer clips delete ${c.id})\n`);
    });

  clips
    .command('delete <ids...>')
    .description('delete recorded clips and their files')
    .action(async (ids: string[]) => {
      const ws = workspaceFrom(program);
      for (const id of ids) {
        await deleteClip(ws, id);
        process.stdout.write(`deleted ${id}\n`);
      }
    });
}
