/**
 * A child process of tests/integration/registry-race.test.ts: edits one recorded clip's meta.json through
 * the clip store, appending its own tag to the notes (a read-modify-write of the file, as every edit is).
 * Bundled by the test like registry-race-child.ts.
 *
 *   node clip-child.mjs <workspace> <clip id> <tag>
 */
import { updateClipMeta } from '../../src-main/workspace/clip-store';
import { openWorkspace } from '../../src-main/workspace/workspace';

const [root, id, tag] = process.argv.slice(2);
if (!root || !id || !tag) throw new Error('usage: clip-child.mjs <workspace> <clip id> <tag>');
await updateClipMeta(openWorkspace(root), id, (meta) => ({ ...meta, notes: `${meta.notes} ${tag}`.trim() }));
