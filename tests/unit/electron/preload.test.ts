import { beforeEach, describe, expect, it, vi } from 'vitest';

const exposed: Record<string, unknown> = {};
const invoke = vi.fn(async (channel: string, args: unknown) => ({ ok: true, result: { channel, args } }));
const listeners = new Map<string, Set<(...a: unknown[]) => void>>();

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
  ipcRenderer: {
    invoke,
    on: (ch: string, fn: (...a: unknown[]) => void) => {
      if (!listeners.has(ch)) listeners.set(ch, new Set());
      listeners.get(ch)!.add(fn);
    },
    removeListener: (ch: string, fn: (...a: unknown[]) => void) => listeners.get(ch)?.delete(fn),
  },
}));

import { EVENT_CHANNEL, methodNames } from '../../../src-main/api/contract';

interface Exposed {
  transport: string;
  methods: Record<string, (args: unknown) => Promise<unknown>>;
  onEvent: (l: (m: unknown) => void) => () => void;
}

describe('preload', () => {
  beforeEach(async () => {
    await import('../../../src-main/electron/preload');
  });

  it('exposes one function per contract method and nothing that reaches ipcRenderer directly', () => {
    expect(Object.keys(exposed)).toEqual(['dfer']);
    const api = exposed.dfer as Exposed;
    expect(Object.keys(api).sort()).toEqual(['methods', 'onEvent', 'transport']);
    expect(Object.keys(api.methods).sort()).toEqual([...methodNames].sort());
    for (const fn of Object.values(api.methods)) expect(typeof fn).toBe('function');
    const values = [...Object.values(api), ...Object.values(api.methods)];
    expect(values).not.toContain(invoke);
  });

  it('each function invokes its own channel with the arguments', async () => {
    const api = exposed.dfer as Exposed;
    for (const m of methodNames) {
      const reply = await api.methods[m]!({ probe: m });
      expect(invoke).toHaveBeenLastCalledWith(m, { probe: m });
      expect(reply).toEqual({ ok: true, result: { channel: m, args: { probe: m } } });
    }
  });

  it('delivers pushed events and unsubscribes', () => {
    const api = exposed.dfer as Exposed;
    const got: unknown[] = [];
    const off = api.onEvent((m) => got.push(m));
    for (const fn of listeners.get(EVENT_CHANNEL) ?? []) fn({}, { event: 'notice', payload: { level: 'info', message: 'x' } });
    expect(got).toEqual([{ event: 'notice', payload: { level: 'info', message: 'x' } }]);
    off();
    expect(listeners.get(EVENT_CHANNEL)?.size).toBe(0);
  });
});
