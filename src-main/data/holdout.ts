/**
 * A seeded, per-class (stratified) train/test split, for layouts that ship no split of their own
 * (folder-per-class, recorded clips). Same ids + seed + fraction give the same split on every machine.
 */
import { createRng, hashSeed, shuffleInPlace } from './rng';
import { naturalCompare } from './frame-files';
import type { DatasetSplit } from './types';

export function stratifiedHoldout(
  clips: readonly { id: string; label: number }[],
  testFraction: number,
  seed: number,
  name = 'holdout',
): DatasetSplit {
  const byClass = new Map<number, string[]>();
  for (const c of clips) {
    const list = byClass.get(c.label) ?? [];
    list.push(c.id);
    byClass.set(c.label, list);
  }
  const train: string[] = [];
  const test: string[] = [];
  for (const [label, ids] of [...byClass.entries()].sort((a, b) => a[0] - b[0])) {
    // Sorted first so the result does not depend on directory listing order.
    const order = shuffleInPlace([...ids].sort(naturalCompare), createRng(hashSeed('holdout', seed, label)));
    let nTest = Math.round(order.length * testFraction);
    // A class with 2+ clips keeps at least one on each side when both sides are wanted.
    if (testFraction > 0 && testFraction < 1 && order.length >= 2) nTest = Math.min(order.length - 1, Math.max(1, nTest));
    test.push(...order.slice(0, nTest));
    train.push(...order.slice(nTest));
  }
  return { name, train: train.sort(naturalCompare), test: test.sort(naturalCompare) };
}
