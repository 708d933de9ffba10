import { describe, expect, it } from 'vitest';
import { Rng, createRng, deriveSeed, forkRng, hashLabel, hashSeed, modelRng, shuffleInPlace } from '../../../src-main/data/rng';

/**
 * The three RNG modules (data/rng.ts, data/synth/prng.ts, engine/models/random.ts) were merged into one. These
 * values were printed by the three pre-merge modules (commit ac87d6d) for the same calls; matching them bit
 * for bit means sampled frames, synthetic pixels and initial weights are unchanged for every existing seed.
 */
const BEFORE_MERGE = {
  hashSeed: [1255315381, 619759755],
  data: [0.08427912276238203, 8, -0.18285877211019397],
  dataShuffle: [5, 3, 7, 8, 2, 0, 4, 1, 9, 6],
  hashLabel: [661246787, 3213234238],
  synth: [3690004485, 0.6485494924709201, 0.8862776497844607, 76, false, 2.4475178421121084, -0.02477810447382899, 'c', 2],
  synthShuffle: [8, 7, 6, 0, 3, 5, 4, 2, 1, 9],
  deriveSeed: [389597175, 246351415],
  model: [0.48657862236723304, 0.2542227502174925, 0.8775612200993576, 0.7350792118861293, 0.6438824464567006],
};

const digits = () => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

describe('one seeded RNG module keeps the pre-merge streams', () => {
  it('data pipeline streams (hashSeed + mulberry32)', () => {
    expect([hashSeed(7, 3, 'clip_00001'), hashSeed('holdout', 42)]).toEqual(BEFORE_MERGE.hashSeed);
    const r = createRng(hashSeed(7, 3, 'clip_00001'));
    expect([r.next(), r.int(10), r.uniform(-1, 2)]).toEqual(BEFORE_MERGE.data);
    expect(shuffleInPlace(digits(), createRng(5))).toEqual(BEFORE_MERGE.dataShuffle);
  });

  it('synthetic data set streams (hashLabel + sfc32)', () => {
    expect([hashLabel(11, 'clip', 17), hashLabel(3, 'noise', 2)]).toEqual(BEFORE_MERGE.hashLabel);
    const s = forkRng(11, 'clip', 17);
    const drawn = [
      s.nextUint32(),
      s.next(),
      s.uniform(0.5, 1),
      s.intBetween(75, 95),
      s.chance(0.5),
      s.normal(0, 2),
      s.normalClamped(0, 0.1, -0.25, 0.25),
      s.pick(['a', 'b', 'c']),
      s.weightedIndex([1, 2, 3]),
    ];
    expect(drawn).toEqual(BEFORE_MERGE.synth);
    expect(new Rng(0x5eed, 'sfc32').shuffle(digits())).toEqual(BEFORE_MERGE.synthShuffle);
  });

  it('model initialisation streams (deriveSeed + mulberry32, paired Box-Muller)', () => {
    expect([deriveSeed(123, 'conv1.kernel'), deriveSeed(5, 'dropout:0')]).toEqual(BEFORE_MERGE.deriveSeed);
    const m = modelRng(123, 'conv1.kernel');
    expect([m.next(), m.normalPaired(), m.normalPaired(), m.normalPaired(), m.next()]).toEqual(BEFORE_MERGE.model);
  });
});

describe('seeded streams', () => {
  it('the same seed gives the same stream; another seed or label gives another', () => {
    const take = (rng: Rng) => Array.from({ length: 64 }, () => rng.nextUint32());
    expect(take(createRng(42))).toEqual(take(createRng(42)));
    expect(take(forkRng(1, 'scene'))).toEqual(take(forkRng(1, 'scene')));
    expect(take(createRng(42))).not.toEqual(take(createRng(43)));
    expect(take(forkRng(1, 'scene'))).not.toEqual(take(forkRng(1, 'shake')));
    // Typed labels: the number 1 and the string '1' are different streams.
    expect(hashLabel(1, 1)).not.toBe(hashLabel(1, '1'));
  });

  it('uniform draws look uniform and normals look standard normal (moments over 200k draws)', () => {
    for (const core of ['mulberry32', 'sfc32'] as const) {
      const rng = new Rng(99, core);
      const n = 200_000;
      let sum = 0;
      let below = 0;
      let outside = 0;
      for (let i = 0; i < n; i++) {
        const u = rng.next();
        if (!(u >= 0 && u < 1)) outside++;
        sum += u;
        if (u < 0.25) below++;
      }
      expect(outside).toBe(0);
      expect(sum / n).toBeCloseTo(0.5, 2);
      expect(below / n).toBeCloseTo(0.25, 2);
      for (const draw of [() => rng.normal(), () => rng.normalPaired()]) {
        let s1 = 0;
        let s2 = 0;
        for (let i = 0; i < n; i++) {
          const z = draw();
          s1 += z;
          s2 += z * z;
        }
        expect(s1 / n).toBeCloseTo(0, 1);
        expect(s2 / n).toBeCloseTo(1, 1);
      }
    }
  });

  it('intBetween covers both ends and nothing outside; int(n) stays in [0, n)', () => {
    const rng = createRng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(rng.intBetween(2, 5));
    expect([...seen].sort()).toEqual([2, 3, 4, 5]);
    for (let i = 0; i < 2000; i++) {
      const k = rng.int(7);
      expect(Number.isInteger(k) && k >= 0 && k < 7).toBe(true);
    }
  });
});
