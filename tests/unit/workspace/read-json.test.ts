/**
 * Workspace files are read through their schemas, and a file that fails names itself: every failure kind
 * (missing, unreadable, empty, truncated, invalid JSON, schema mismatch) on real files, and metrics.jsonl's
 * torn last line told apart from a corrupt line in the middle.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseJsonLines, parseJsonText, readJsonFile, readJsonFileSync, WorkspaceFileError } from '../../../src-main/workspace/read-json';
import { MetricRecordSchema } from '../../../src-main/workspace/run-records';
import { tempDir } from '../../helpers/tmp';

const Schema = z.strictObject({
  name: z.string(),
  items: z.array(z.strictObject({ id: z.string(), size: z.number().int().min(0) })),
  note: z.string().default(''),
});

const good = { name: 'a', items: [{ id: 'x', size: 1 }, { id: 'y', size: 2 }] };

/** The WorkspaceFileError `work` throws (sync or async), failing the test if it throws anything else. */
async function failure(work: () => unknown): Promise<WorkspaceFileError> {
  try {
    await work();
  } catch (err) {
    expect(err).toBeInstanceOf(WorkspaceFileError);
    return err as WorkspaceFileError;
  }
  throw new Error('expected a WorkspaceFileError, nothing was thrown');
}

function metricLine(epoch: number): string {
  return JSON.stringify({
    epoch,
    phase: 'main',
    phaseEpoch: epoch,
    time: '2026-01-01T00:00:00.000Z',
    lr: 0.001,
    train: { loss: 1.5, ce: 1.4, aux: 0.1, auxWeight: 1, clips: 10, seconds: 2 },
  });
}

describe('readJsonFile', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const file = (name: string, text?: string) => {
    const p = path.join(tmp.dir, name);
    if (text !== undefined) writeFileSync(p, text);
    return p;
  };

  it('reads, parses and validates (defaults filled, a byte-order mark allowed)', async () => {
    const p = file('good.json', '\uFEFF' + JSON.stringify(good, null, 2));
    expect(await readJsonFile(p, Schema)).toEqual({ ...good, note: '' });
    expect(readJsonFileSync(p, Schema)).toEqual({ ...good, note: '' });
  });

  it('a missing file is an error naming the absolute path, or the given value', async () => {
    const p = file('nowhere.json');
    const err = await failure(() => readJsonFile(p, Schema));
    expect(err.file).toBe(p);
    expect(err.reason).toBe('the file is missing');
    expect(err.message).toBe(`${p}: the file is missing`);
    expect(await readJsonFile(p, Schema, { missing: null })).toBeNull();
    expect(await readJsonFile(p, Schema, { missing: [] as string[] })).toEqual([]);
    expect(readJsonFileSync(p, Schema, { missing: 0 })).toBe(0);
    await failure(() => readJsonFile(p, Schema, { missing: 'throw' }));
  });

  it('a relative path is reported absolute', async () => {
    const rel = path.relative(process.cwd(), file('rel-missing.json'));
    const err = await failure(() => readJsonFile(rel, Schema));
    expect(path.isAbsolute(err.file)).toBe(true);
    expect(err.message.startsWith(`${path.resolve(rel)}: `)).toBe(true);
  });

  it('an unreadable path (a folder) is an error naming it, even with missing: null', async () => {
    const dir = path.join(tmp.dir, 'a-folder.json');
    mkdirSync(dir);
    const err = await failure(() => readJsonFile(dir, Schema, { missing: null }));
    expect(err.file).toBe(dir);
    expect(err.reason).toMatch(/^cannot be read: it is a folder/);
    await failure(() => readJsonFileSync(dir, Schema, { missing: null }));
  });

  it('an empty file is an error naming it', async () => {
    const p = file('empty.json', '');
    const err = await failure(() => readJsonFile(p, Schema));
    expect(err.message).toBe(`${p}: the file is empty (a write that never finished?)`);
  });

  it('a truncated file is an error naming it and saying it was cut short, not a bare JSON.parse message', async () => {
    const text = JSON.stringify(good, null, 2);
    for (const cut of [10, Math.floor(text.length / 2), text.length - 1]) {
      const p = file(`truncated-${cut}.json`, text.slice(0, cut));
      const err = await failure(() => readJsonFile(p, Schema));
      expect(err.file).toBe(p);
      expect(err.message).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: truncated JSON`));
      expect(err.message).not.toContain('Unexpected end of JSON input');
    }
  });

  it('invalid JSON is an error naming the file and, where the parser says, the line', async () => {
    const p = file('invalid.json', '{\n  "name": "a",\n  "items": [1,, 2]\n}\n');
    const err = await failure(() => readJsonFile(p, Schema));
    expect(err.file).toBe(p);
    expect(err.reason).toMatch(/^invalid JSON/);
    const q = file('invalid-token.json', '{"name": x}');
    expect((await failure(() => readJsonFile(q, Schema))).reason).toMatch(/^invalid JSON: Unexpected token 'x'$/);
  });

  it('a schema mismatch names each failing field path, and an unknown key by name', async () => {
    const p = file(
      'mismatch.json',
      JSON.stringify({ name: 3, items: [{ id: 'x', size: 1 }, { id: 'y', size: -1 }, { id: 'z', size: 1, colour: 'red' }], extra: true }),
    );
    const err = await failure(() => readJsonFile(p, Schema));
    expect(err.file).toBe(p);
    expect(err.reason).toMatch(/^does not match its schema: /);
    expect(err.reason).toContain('name: ');
    expect(err.reason).toContain('items[1].size: ');
    expect(err.reason).toContain('items[2]: Unrecognized key: "colour"');
    expect(err.reason).toContain('(top level): Unrecognized key: "extra"');
  });

  it('parseJsonText names the file it is given', async () => {
    const err = await failure(() => parseJsonText('/x/y.json', '[', Schema));
    expect(err.message).toMatch(/^\/x\/y\.json: truncated JSON/);
  });
});

describe('parseJsonLines (metrics.jsonl)', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const write = (name: string, text: string) => {
    const p = path.join(tmp.dir, name);
    writeFileSync(p, text);
    return p;
  };
  const parseFile = (p: string) => parseJsonLines(p, readFileSync(p, 'utf8'), MetricRecordSchema);

  it('returns every record of a whole file; blank lines and CRLF endings are fine', () => {
    const p = write('whole.jsonl', `${metricLine(0)}\n\n${metricLine(1)}\r\n${metricLine(2)}\n`);
    const { records, torn } = parseFile(p);
    expect(records.map((r) => r.epoch)).toEqual([0, 1, 2]);
    expect(torn).toBeNull();
  });

  it('a torn last line (no newline, cut short) is reported apart, the records before it kept', () => {
    const last = metricLine(2);
    const p = write('torn.jsonl', `${metricLine(0)}\n${metricLine(1)}\n${last.slice(0, 40)}`);
    const { records, torn } = parseFile(p);
    expect(records.map((r) => r.epoch)).toEqual([0, 1]);
    expect(torn).toMatchObject({ line: 3, text: last.slice(0, 40) });
    expect(torn!.reason).toMatch(/^truncated JSON/);
  });

  it('a whole, valid last line that only lacks its newline counts', () => {
    const p = write('no-newline.jsonl', `${metricLine(0)}\n${metricLine(1)}`);
    expect(parseFile(p)).toEqual({ records: [expect.objectContaining({ epoch: 0 }), expect.objectContaining({ epoch: 1 })], torn: null });
  });

  it('a corrupt line in the middle is an error naming the file and the line', async () => {
    const p = write('corrupt.jsonl', `${metricLine(0)}\n${metricLine(1).slice(0, 30)}\n${metricLine(2)}\n`);
    const err = await failure(() => parseFile(p));
    expect(err.file).toBe(p);
    expect(err.line).toBe(2);
    expect(err.message).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 2: truncated JSON`));
  });

  it('a corrupt last line that has its newline is corruption, not a torn append', async () => {
    const p = write('corrupt-last.jsonl', `${metricLine(0)}\n{"epoch": 1,\n`);
    expect((await failure(() => parseFile(p))).line).toBe(2);
  });

  it('a line that does not match the schema is an error naming the line and the field', async () => {
    const bad = JSON.parse(metricLine(1));
    bad.train.clips = 'ten';
    const p = write('schema.jsonl', `${metricLine(0)}\n${JSON.stringify(bad)}\n${metricLine(2)}\n`);
    const err = await failure(() => parseFile(p));
    expect(err.line).toBe(2);
    expect(err.reason).toMatch(/^line 2: does not match its schema: train\.clips: /);
  });

  it("a NaN that JSON.stringify wrote as null reads back as NaN (a diverged epoch doesn't hide the run)", () => {
    const line = JSON.parse(metricLine(0));
    line.train.loss = null;
    const p = write('nan.jsonl', JSON.stringify(line) + '\n');
    expect(parseFile(p).records[0]!.train.loss).toBeNaN();
  });
});
