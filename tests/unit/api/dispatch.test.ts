import { describe, expect, it } from 'vitest';
import { contract, methodNames, type MethodName } from '../../../src-main/api/contract';
import { ApiError, createDispatcher, type Handlers } from '../../../src-main/api/dispatch';

/**
 * Bad arguments for every method, each with the field the error must name. A new contract method without
 * an entry here fails the first test, so validation is tested for every method as the API grows.
 */
const badArguments: Record<MethodName, { args: unknown; field: string }[]> = {
  'system:info': [
    { args: 'system', field: '(arguments)' },
    { args: 42, field: '(arguments)' },
    { args: null, field: '(arguments)' },
    { args: [1, 2], field: '(arguments)' },
    { args: { verbose: true }, field: 'verbose' },
    { args: { n: Number.NaN }, field: 'n' },
    { args: { path: '../../etc/passwd' }, field: 'path' },
  ],
};

// Handlers that must never run for bad input: reaching one fails the test.
const unreachable = Object.fromEntries(
  methodNames.map((m) => [m, async () => { throw new Error(`handler ${m} ran with invalid arguments`); }]),
) as unknown as Handlers;

describe('dispatch', () => {
  it('has bad-argument cases for every contract method', () => {
    for (const m of methodNames) expect(badArguments[m]?.length ?? 0, m).toBeGreaterThan(0);
  });

  for (const method of methodNames) {
    for (const { args, field } of badArguments[method]) {
      it(`${method} rejects ${JSON.stringify(args) ?? String(args)} naming '${field}'`, async () => {
        const dispatch = createDispatcher(unreachable, () => undefined);
        const reply = await dispatch(method, args, { transport: 'web' });
        expect(reply.ok).toBe(false);
        if (reply.ok) return;
        expect(reply.error.code).toBe('invalid-argument');
        expect(reply.error.issues?.map((i) => i.path)).toContain(field);
        expect(reply.error.message).toContain(field);
      });
    }
  }

  it('answers unknown methods without throwing', async () => {
    const dispatch = createDispatcher(unreachable, () => undefined);
    for (const name of ['nope', '__proto__', 'constructor', 'toString', '']) {
      const reply = await dispatch(name, {}, { transport: 'ipc' });
      expect(reply).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
    }
  });

  it('passes parsed arguments and context to the handler and wraps its result', async () => {
    const seen: unknown[] = [];
    const handlers = {
      'system:info': async (args: unknown, ctx: unknown) => {
        seen.push(args, ctx);
        return { fake: true };
      },
    } as unknown as Handlers;
    const reply = await createDispatcher(handlers)('system:info', undefined, { transport: 'ipc' });
    expect(reply).toEqual({ ok: true, result: { fake: true } });
    expect(seen).toEqual([{}, { transport: 'ipc' }]);
  });

  it('keeps an ApiError code and turns any other throw into an internal error', async () => {
    const logs: string[] = [];
    const throwing = (err: unknown) =>
      createDispatcher({ 'system:info': async () => { throw err; } } as unknown as Handlers, (m) => logs.push(m));
    const notFound = await throwing(new ApiError('not-found', 'no run abc'))('system:info', {}, { transport: 'web' });
    expect(notFound).toEqual({ ok: false, error: { code: 'not-found', message: 'no run abc' } });
    const crash = await throwing(new TypeError('boom'))('system:info', {}, { transport: 'web' });
    expect(crash).toMatchObject({ ok: false, error: { code: 'internal', message: 'system:info: boom' } });
    expect(logs.join('\n')).toContain('boom');
  });

  it('every method has a summary', () => {
    for (const m of methodNames) expect(contract[m].summary.length).toBeGreaterThan(10);
  });
});
