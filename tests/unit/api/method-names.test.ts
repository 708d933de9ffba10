import { describe, expect, it } from 'vitest';
import { contract, EVENT_CHANNEL as contractChannel } from '../../../src-main/api/contract';
import { EVENT_CHANNEL, METHOD_NAMES } from '../../../src-main/api/method-names';

describe('method-names (the preload list)', () => {
  it('lists exactly the contract methods, each once', () => {
    expect([...METHOD_NAMES].sort()).toEqual(Object.keys(contract).sort());
    expect(new Set(METHOD_NAMES).size).toBe(METHOD_NAMES.length);
  });

  it('is the event channel the contract exports', () => {
    expect(contractChannel).toBe(EVENT_CHANNEL);
  });
});
