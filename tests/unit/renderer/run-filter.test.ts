import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../src-main/api/contract';
import { matchesRunFilter, paramKeysOf, parseRunFilter, resolveKey, tokenize } from '../../../src-renderer/src/lib/run-filter';

function run(id: string, over: Partial<RunSummary> & { params?: RunSummary['params'] } = {}): RunSummary {
  return {
    id,
    name: over.name ?? id,
    createdAt: '2025-01-01T00:00:00.000Z',
    status: { state: 'done', updatedAt: '2025-01-01T00:00:00.000Z' },
    meta: { tags: [], notes: '', starred: false, archived: false },
    dataset: 'synthetic',
    split: 'set_1',
    model: 'small',
    loss: 'CE + 0.7·ial-star',
    backend: 'wasm',
    epochsDone: 2,
    epochsPlanned: 2,
    final: { war: { value: 0.5, epoch: 1 }, uar: { value: 0.4, epoch: 1 } },
    best: null,
    ...over,
    params: { 'loss.aux': 'ial-star', 'loss.alpha': 0.7, 'loss.decay.lambda': 0.03, epochs: 10, 'pretrain.epochs': 0, 'model.name': 'small', seed: 1, ...over.params },
  };
}

const runs: RunSummary[] = [
  run('a', { params: { 'loss.alpha': 0.7 }, meta: { tags: ['paper', 'fig1'], notes: 'baseline', starred: true, archived: false } }),
  run('b', { params: { 'loss.alpha': 0.1, 'loss.aux': 'ial' }, loss: 'CE + 0.1·ial', split: 'set_2', study: { id: 'fig1', cell: 'loss.alpha=0.1', values: { 'loss.alpha': '0.1' }, fold: 'set_2', seed: 1 } }),
  run('c', { params: { 'loss.aux': 'none', epochs: 5, 'dataset.split': 'set_3' }, loss: 'CE', split: 'set_3', status: { state: 'failed', updatedAt: '' }, final: null }),
  run('d', { name: 'IAL star long', model: 'former-dfer', params: { 'model.name': 'former-dfer', epochs: 80, 'pretrain.epochs': 10 }, study: { id: 'fig1', cell: 'loss.alpha=0.7', values: { 'loss.alpha': '0.7' }, fold: 'set_1', seed: 2 } }),
];
const keys = paramKeysOf(runs);
const ids = (text: string) => runs.filter((r) => matchesRunFilter(r, parseRunFilter(text, keys))).map((r) => r.id);

describe('the Runs filter', () => {
  it('collects the union of the config paths, sorted', () => {
    expect(keys).toContain('dataset.split');
    expect(keys).toContain('loss.alpha');
    expect(keys).toEqual([...keys].sort((a, b) => a.localeCompare(b)));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('tokenizes on spaces, keeping quoted phrases together', () => {
    expect(tokenize('  loss.alpha=0.7   name="my run" "two words" x ')).toEqual(['loss.alpha=0.7', 'name=my run', 'two words', 'x']);
    expect(tokenize('')).toEqual([]);
  });

  it('matches a setting by equality, numbers numerically', () => {
    expect(ids('loss.alpha=0.7')).toEqual(['a', 'c', 'd']);
    expect(ids('loss.alpha=0.70')).toEqual(['a', 'c', 'd']);
    expect(ids('loss.alpha=0.1')).toEqual(['b']);
    expect(ids('LOSS.ALPHA=0.1')).toEqual(['b']);
  });

  it('negates with != and compares numbers with >= <= > <', () => {
    expect(ids('loss.aux!=none')).toEqual(['a', 'b', 'd']);
    expect(ids('epochs>=10')).toEqual(['a', 'b', 'd']);
    expect(ids('epochs>10')).toEqual(['d']);
    expect(ids('epochs<10')).toEqual(['c']);
    expect(ids('epochs<=5')).toEqual(['c']);
  });

  it('knows state, study, model, split, tag, cell and the final metrics in %', () => {
    expect(ids('state=done')).toEqual(['a', 'b', 'd']);
    expect(ids('status=failed')).toEqual(['c']);
    expect(ids('study=fig1')).toEqual(['b', 'd']);
    expect(ids('study=none')).toEqual(['a', 'c']);
    expect(ids('model=small')).toEqual(['a', 'b', 'c']);
    expect(ids('split=set_1')).toEqual(['a', 'd']);
    // dataset.split reads the split the run resolved to, also where the config left it to the default.
    expect(ids('dataset.split=set_1')).toEqual(['a', 'd']);
    expect(ids('tag=paper')).toEqual(['a']);
    expect(ids('tag!=paper')).toEqual(['b', 'c', 'd']);
    expect(ids('cell=loss.alpha=0.7')).toEqual(['d']);
    expect(ids('war>=50')).toEqual(['a', 'b', 'd']);
    expect(ids('uar<40')).toEqual([]);
    expect(ids('starred=true')).toEqual(['a']);
  });

  it('combines terms with AND, and matches free text in name, id, tags and notes', () => {
    expect(ids('state=done loss.alpha=0.7')).toEqual(['a', 'd']);
    expect(ids('long')).toEqual(['d']);
    expect(ids('baseline')).toEqual(['a']);
    expect(ids('fig1 loss.alpha=0.7')).toEqual(['a', 'd']);
    expect(ids('"IAL star"')).toEqual(['d']);
    expect(ids('name=ial*')).toEqual(['d']);
    expect(ids('')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('resolves a unique suffix of a path, and says when a suffix is ambiguous', () => {
    expect(resolveKey('alpha', keys)).toEqual({ field: { kind: 'param', key: 'loss.alpha' } });
    expect(resolveKey('lambda', keys)).toEqual({ field: { kind: 'param', key: 'loss.decay.lambda' } });
    expect(ids('alpha=0.1')).toEqual(['b']);
    // 'epochs' is a path itself; the exact path wins over pretrain.epochs.
    expect(resolveKey('epochs', keys)).toEqual({ field: { kind: 'param', key: 'epochs' } });
    const amb = parseRunFilter('name.x=1', ['a.name.x', 'b.name.x']);
    expect(amb.problems[0]!.message).toContain('ambiguous');
  });

  it('names an unknown key instead of emptying the table, and ignores that term', () => {
    const f = parseRunFilter('lossalpha=0.7 state=done', keys);
    expect(f.problems).toHaveLength(1);
    expect(f.problems[0]!.key).toBe('lossalpha');
    expect(f.problems[0]!.message).toContain("unknown key 'lossalpha'");
    expect(runs.filter((r) => matchesRunFilter(r, f)).map((r) => r.id)).toEqual(['a', 'b', 'd']);
    expect(parseRunFilter('aux=1', keys).problems).toEqual([]);
    expect(parseRunFilter('bogus=1', keys).problems[0]!.message).toContain("'bogus'");
  });

  it('refuses an order comparison with something that is not a number', () => {
    const f = parseRunFilter('epochs>=ten', keys);
    expect(f.terms).toEqual([]);
    expect(f.problems[0]!.message).toContain('not one');
    expect(parseRunFilter('epochs>=', keys).problems[0]!.message).toContain('needs a value');
  });
});
