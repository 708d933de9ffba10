import { describe, expect, it } from 'vitest';
import { latestOnly } from '../../../src-renderer/src/lib/latest';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

/** Two requests started one after the other through one latestOnly(); `got` records what is passed on. */
function twoRequests() {
  const latest = latestOnly();
  const got: string[] = [];
  const first = deferred<string>();
  const second = deferred<string>();
  for (const d of [first, second]) latest(d.promise, (v) => got.push(v), (e) => got.push('error ' + e.message));
  return { got, first, second };
}

describe('latestOnly', () => {
  it("passes on only the latest request's answer, even when an earlier one arrives last", async () => {
    const { got, first, second } = twoRequests();
    second.resolve('second');
    await settle();
    first.resolve('first');
    await settle();
    expect(got).toEqual(['second']);
  });

  it("passes on the latest request's error and drops a stale one", async () => {
    const { got, first, second } = twoRequests();
    first.reject(new Error('stale'));
    second.reject(new Error('fresh'));
    await settle();
    expect(got).toEqual(['error fresh']);
  });

  it('keeps separate counts for separate functions', async () => {
    const a = latestOnly();
    const b = latestOnly();
    const got: number[] = [];
    a(Promise.resolve(1), (v) => got.push(v), () => {});
    b(Promise.resolve(2), (v) => got.push(v), () => {});
    await settle();
    expect(got.sort()).toEqual([1, 2]);
  });
});
