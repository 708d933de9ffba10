import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { openDownload, runRecordsDownloadPath, runRecordsZip } from '../../../src-main/services/run-export';
import { openWorkspace, type Workspace } from '../../../src-main/workspace/workspace';
import { writeFabricatedRun } from '../../helpers/fabricated-runs';
import { tempDir } from '../../helpers/tmp';
import { readZip } from '../../helpers/zip-reader';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

const ID = '20250101-100000-export-test-abcd';

function workspaceWithRun(): { ws: Workspace; dir: string; tmp: string } {
  const t = tempDir('dfer-export-');
  cleanups.push(t.cleanup);
  const ws = openWorkspace(path.join(t.dir, 'ws'));
  mkdirSync(ws.runs, { recursive: true });
  writeFabricatedRun(ws.runs, { id: ID, name: 'export test', epochs: 2, correct: [3, 2, 1, 3, 2, 1, 0] }, 0);
  const dir = path.join(ws.runs, ID);
  // A weight file, a non-record and an atomic write in progress: none of them may be exported.
  mkdirSync(path.join(dir, 'checkpoint'), { recursive: true });
  writeFileSync(path.join(dir, 'checkpoint', 'weights.bin'), Buffer.alloc(1024, 7));
  writeFileSync(path.join(dir, 'stray.bin'), Buffer.alloc(16, 1));
  writeFileSync(path.join(dir, '.metrics.jsonl.123.tmp'), 'partial');
  // A large, compressible record: 3 MB of JSON lines.
  writeFileSync(path.join(dir, 'train.log'), Array.from({ length: 60_000 }, (_, i) => `{"step":${i},"loss":${(1 / (i + 1)).toFixed(12)}}`).join('\n'));
  return { ws, dir, tmp: t.dir };
}

function expectedRecords(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${name.name}` : name.name;
      if (name.isDirectory()) {
        if (r !== 'checkpoint') walk(r);
      } else if (!name.name.startsWith('.') && /\.(json|jsonl|txt|log|csv)$/.test(name.name)) out.push(r);
    }
  };
  walk('');
  return out.sort();
}

const hasPython = spawnSync('python3', ['-c', 'import zipfile'], { stdio: 'ignore' }).status === 0;
const hasUnzip = spawnSync('unzip', ['-v'], { stdio: 'ignore' }).status === 0;

describe('run records export (yazl, streamed from the run folder)', () => {
  it('holds every text record byte for byte with correct CRCs, EXPORT.txt, and no weights or temp files', async () => {
    const { ws, dir } = workspaceWithRun();
    const { listing, stream } = await runRecordsZip(ws, ID);
    const zip = await buffer(stream);
    const entries = readZip(zip);
    const records = expectedRecords(dir);
    expect(records.length).toBeGreaterThan(5);
    expect([...entries.keys()].sort()).toEqual([...records.map((r) => `${ID}/${r}`), `${ID}/EXPORT.txt`].sort());
    expect([...listing.files].sort()).toEqual(records);
    for (const r of records) {
      const onDisk = readFileSync(path.join(dir, r));
      const entry = entries.get(`${ID}/${r}`)!;
      expect(entry.data.equals(onDisk), r).toBe(true);
      expect(entry.crc).toBe(zlib.crc32(onDisk));
    }
    const note = entries.get(`${ID}/EXPORT.txt`)!.data.toString('utf8');
    expect(note).toContain('checkpoint/');
    expect(note).toContain('stray.bin');
    // Deflated: the 3 MB log shrinks well below its size.
    expect(entries.get(`${ID}/train.log`)!.method).toBe(8);
    expect(zip.length).toBeLessThan(readFileSync(path.join(dir, 'train.log')).length / 3);
  });

  describe.skipIf(!hasPython && !hasUnzip)('read by an independent tool', () => {
    if (!hasPython && !hasUnzip) console.warn('run-export: neither python3 nor unzip on PATH; the independent-reader check is skipped');
    it('python zipfile (or unzip -t) lists the same names and finds every CRC correct', async () => {
      const { ws, dir, tmp } = workspaceWithRun();
      const file = path.join(tmp, 'out.zip');
      writeFileSync(file, await buffer((await runRecordsZip(ws, ID)).stream));
      const expected = [...expectedRecords(dir).map((r) => `${ID}/${r}`), `${ID}/EXPORT.txt`].sort();
      if (hasPython) {
        const script = 'import sys,zipfile,json\nz=zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({"bad":z.testzip(),"names":sorted(z.namelist()),"crc":{i.filename:i.CRC for i in z.infolist()}}))';
        const out = JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' }));
        expect(out.bad).toBeNull();
        expect(out.names).toEqual(expected);
        expect(out.crc[`${ID}/config.json`]).toBe(zlib.crc32(readFileSync(path.join(dir, 'config.json'))));
      } else {
        const test = execFileSync('unzip', ['-t', file], { encoding: 'utf8' });
        expect(test).toContain('No errors detected');
        const names = execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).trim().split('\n').sort();
        expect(names).toEqual(expected);
      }
    });
  });

  it('openDownload serves the path runs:export reports and nothing else', async () => {
    const { ws } = workspaceWithRun();
    const download = await openDownload(ws, runRecordsDownloadPath(ID));
    expect(download).toMatchObject({ filename: `${ID}.zip`, contentType: 'application/zip' });
    expect(readZip(await buffer(download!.stream)).has(`${ID}/config.json`)).toBe(true);
    expect(await openDownload(ws, runRecordsDownloadPath('no-such-run'))).toBeNull();
    expect(await openDownload(ws, '/downloads/runs/..%2F..%2Fetc/records.zip')).toBeNull();
    expect(await openDownload(ws, '/downloads/other')).toBeNull();
    expect(await openDownload(ws, '/index.html')).toBeNull();
  });

  it('the web server streams it with the token and refuses it without', async () => {
    const { startWebServer } = await import('../../../src-main/web/server');
    const { ws, tmp } = workspaceWithRun();
    const server = await startWebServer({
      dispatch: async () => ({ ok: true, result: null }) as never,
      events: { subscribe: () => () => {} } as never,
      staticDir: tmp,
      port: 0,
      openDownload: (p) => openDownload(ws, p),
    });
    try {
      const get = (query: string) =>
        new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
          http
            .get({ host: server.host, port: server.port, path: `${runRecordsDownloadPath(ID)}${query}`, headers: { host: `127.0.0.1:${server.port}` } }, async (res) =>
              resolve({ status: res.statusCode!, headers: res.headers, body: await buffer(res) }),
            )
            .on('error', reject);
        });
      expect((await get('')).status).toBe(401);
      const ok = await get(`?token=${server.token}`);
      expect(ok.status).toBe(200);
      expect(ok.headers['content-type']).toBe('application/zip');
      expect(ok.headers['content-disposition']).toBe(`attachment; filename="${ID}.zip"`);
      expect(readZip(ok.body).has(`${ID}/EXPORT.txt`)).toBe(true);
    } finally {
      await server.close();
    }
  });
});
