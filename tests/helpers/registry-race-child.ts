/**
 * A child process of tests/integration/registry-race.test.ts: saves one combination into a workspace, as
 * `combine:save` does. The test bundles this file (with the workbench's source) into one .mjs that plain
 * Node runs, since no CLI command saves a combination.
 *
 *   node child.mjs <workspace> <combination name> <beta>
 */
import { saveCombination } from '../../src-main/services/combine';
import { openWorkspace } from '../../src-main/workspace/workspace';

const [root, name, beta] = process.argv.slice(2);
if (!root || !name || beta === undefined) throw new Error('usage: child.mjs <workspace> <name> <beta>');
await saveCombination(openWorkspace(root), { name, runA: 'run-a', runB: 'run-b', beta: Number(beta), chosenOn: 'manual' });
