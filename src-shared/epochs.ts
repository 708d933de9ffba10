/**
 * The epoch as a person counts it: the first epoch is epoch 1, as in the paper's "80 epochs" and the
 * terminal's "epoch 14/40". Workspace files (metrics.jsonl, eval/epoch-NNN.json) and the CSV exports made
 * from them keep the 0-based index, so a number read off the screen is always this plus one. The CLI and
 * the app both print epochs through this function.
 */
export function epochNumber(index: number): number {
  return index + 1;
}
