/**
 * A child process of tests/unit/workspace/clip-store.test.ts: counts edits of one recorded clip in one
 * field of its meta.json (`notes` or `subject`), `count` times, each a read-modify-write through the clip
 * store with a pause between the read and the write. It tells the parent it is ready and starts on `go`,
 * so that two of them edit the clip at the same time. Bundled by the test into one .mjs, run with fork().
 *
 *   child.mjs <workspace> <clip id> <notes|subject> <count>
 */
import { updateClipMeta } from '../../src-main/workspace/clip-store';
import { openWorkspace } from '../../src-main/workspace/workspace';

const [root, id, field, count] = process.argv.slice(2);
if (!root || !id || (field !== 'notes' && field !== 'subject') || !count || !process.send) throw new Error('usage (forked): child.mjs <workspace> <clip id> <notes|subject> <count>');
const ws = openWorkspace(root);
await new Promise<void>((resolve) => {
  process.once('message', () => resolve());
  process.send!('ready');
});
for (let i = 0; i < Number(count); i++) {
  await updateClipMeta(ws, id, async (meta) => {
    const next = String(Number(meta[field] ?? 0) + 1);
    await new Promise((resolve) => setTimeout(resolve, 2));
    return { ...meta, [field]: next };
  });
}
process.disconnect();
