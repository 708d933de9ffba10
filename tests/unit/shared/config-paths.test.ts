import { describe, expect, it } from 'vitest';
import { assignConfigPath, setConfigPath } from '../../../src-shared/config-paths';

describe('assignConfigPath (in place, replacing)', () => {
  it('replaces the value at the path in the object itself, where setConfigPath merges into a copy', () => {
    const config = { optimizer: { lr: 0.1, schedule: { kind: 'exponential', gamma: 0.98 } } };
    const copy = setConfigPath(config, 'optimizer.schedule', { kind: 'constant' });
    expect((copy.optimizer as { schedule: unknown }).schedule).toEqual({ kind: 'constant', gamma: 0.98 });
    assignConfigPath(config, 'optimizer.schedule', { kind: 'constant' });
    expect(config.optimizer).toEqual({ lr: 0.1, schedule: { kind: 'constant' } });
    assignConfigPath(config, 'optimizer.lr', null);
    expect(config.optimizer.lr).toBeNull();
  });

  it('names the path when an object on the way is missing', () => {
    expect(() => assignConfigPath({ loss: 3 }, 'loss.decay.A', 1)).toThrow('cannot set loss.decay.A: loss is 3, not an object');
  });
});
