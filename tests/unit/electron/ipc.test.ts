import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({}));

import { methodNames } from '../../../src-main/api/contract';
import { createDispatcher, type Handlers } from '../../../src-main/api/dispatch';
import { bindIpc } from '../../../src-main/electron/ipc';

function fakeIpcMain() {
  const handlers = new Map<string, (event: unknown, args: unknown) => Promise<unknown>>();
  return {
    handlers,
    handle: (channel: string, fn: (event: unknown, args: unknown) => Promise<unknown>) => handlers.set(channel, fn),
    removeHandler: (channel: string) => handlers.delete(channel),
  };
}

const handlers = { 'system:info': async () => ({ fake: 'info' }) } as unknown as Handlers;

describe('bindIpc', () => {
  it('registers exactly one channel per contract method, and unbinds them', () => {
    const ipc = fakeIpcMain();
    const unbind = bindIpc(ipc as never, createDispatcher(handlers), () => true);
    expect([...ipc.handlers.keys()].sort()).toEqual([...methodNames].sort());
    unbind();
    expect(ipc.handlers.size).toBe(0);
  });

  it('answers untrusted senders with forbidden, without running the handler', async () => {
    const ipc = fakeIpcMain();
    const spy = vi.fn(async () => ({}));
    bindIpc(ipc as never, createDispatcher({ 'system:info': spy } as unknown as Handlers), () => false);
    const reply = await ipc.handlers.get('system:info')!({}, {});
    expect(reply).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(spy).not.toHaveBeenCalled();
  });

  it('validates arguments from IPC exactly as from web mode, naming the field', async () => {
    const ipc = fakeIpcMain();
    bindIpc(ipc as never, createDispatcher(handlers), () => true);
    const bad = await ipc.handlers.get('system:info')!({}, { depth: Number.NaN });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-argument', issues: [{ path: 'depth' }] } });
    const good = await ipc.handlers.get('system:info')!({}, {});
    expect(good).toEqual({ ok: true, result: { fake: 'info' } });
  });
});
