/**
 * The study store: `studies/<id>/` next to `runs/`, in the same plain-file style. What a study *means* (its
 * spec schema, the expansion of axes, folds and seeds into runs) is the studies room's; this module owns the
 * files and every write to them:
 *
 * - `spec.json`: the study as created, written once into a folder made with an exclusive mkdir (a second
 *   study with the same id is refused), never changed.
 * - `extensions/NNN.json`: each later addition, created exclusively (two extenders cannot both be N),
 *   immutable.
 * - `runs.jsonl`: one line per planned run, append-only, written only inside `withStudyIndexLock`.
 * - `slurm/submissions.jsonl`: one line per Slurm submission, appended under its lock.
 *
 * Every file is read through its schema, with errors that name the file.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { STUDY_ID_PATTERN } from '../../src-shared/ids';
import { writeJsonAtomic } from './atomic';
import { withFileLock } from './locks';
import { parseJsonLines, readJsonFile } from './read-json';
import { ServiceError, type ServiceErrorCode } from './service-error';
import type { Workspace } from './workspace';

/** A refusal that names what is wrong (the API maps `field` to an invalid-argument issue). */
export class StudyError extends ServiceError {
  constructor(message: string, code: ServiceErrorCode, field?: string) {
    super(code, message, field);
    this.name = 'StudyError';
  }
}

export const StudyIndexLineSchema = z.strictObject({
  index: z.number().int().min(0),
  key: z.string(),
  cell: z.string(),
  fold: z.string(),
  seed: z.number().int(),
  runId: z.string(),
  at: z.string(),
});
export type StudyIndexLine = z.infer<typeof StudyIndexLineSchema>;

export const StudySubmissionSchema = z.strictObject({
  jobId: z.string(),
  submittedAt: z.string(),
  array: z.string(),
  script: z.string(),
  partition: z.string().nullable(),
});
export type StoredSubmission = z.infer<typeof StudySubmissionSchema>;

export function assertStudyId(id: string): void {
  if (!STUDY_ID_PATTERN.test(id) || id.includes('..')) throw new StudyError(`invalid study id '${id.slice(0, 80)}'`, 'invalid', 'id');
}

export function studyDir(ws: Workspace, id: string): string {
  assertStudyId(id);
  return path.join(ws.studies, id);
}

const specFile = (dir: string) => path.join(dir, 'spec.json');
const indexFile = (dir: string) => path.join(dir, 'runs.jsonl');
const extensionsDir = (dir: string) => path.join(dir, 'extensions');
export const slurmDir = (dir: string) => path.join(dir, 'slurm');
const submissionsFile = (dir: string) => path.join(slurmDir(dir), 'submissions.jsonl');

/** The lines of a JSON-lines file through `schema`; a missing file has none. */
async function readLines<T>(file: string, schema: z.ZodType<T>): Promise<T[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return parseJsonLines(file, text, schema).records;
}

/** Creates `studies/<id>/` and writes its spec.json; a study with this id already existing is a conflict. */
export async function createStudyFolder(ws: Workspace, id: string, spec: unknown): Promise<string> {
  const dir = studyDir(ws, id);
  await fs.mkdir(ws.studies, { recursive: true });
  try {
    await fs.mkdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new StudyError(`a study '${id}' exists already`, 'conflict', 'id');
    throw err;
  }
  await writeJsonAtomic(specFile(dir), spec);
  return dir;
}

/** A study's spec.json through the studies room's schema; no such study is not-found. */
export async function readStudySpec<T>(ws: Workspace, id: string, schema: z.ZodType<T>): Promise<T> {
  const dir = studyDir(ws, id);
  if (!existsSync(specFile(dir))) throw new StudyError(`no study '${id}' in ${ws.studies}`, 'not-found', 'id');
  return readJsonFile(specFile(dir), schema);
}

/** The extensions in order, each through `schema`. */
export async function readStudyExtensions<T>(dir: string, schema: z.ZodType<T>): Promise<T[]> {
  let names: string[];
  try {
    names = (await fs.readdir(extensionsDir(dir))).filter((n) => /^\d{3}\.json$/.test(n)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return Promise.all(names.map((n) => readJsonFile(path.join(extensionsDir(dir), n), schema)));
}

/** Writes extension number `n` (1-based) with an exclusive create: a second writer of the same N is a conflict. */
export async function writeStudyExtension(dir: string, n: number, record: unknown): Promise<void> {
  await fs.mkdir(extensionsDir(dir), { recursive: true });
  const file = path.join(extensionsDir(dir), `${String(n).padStart(3, '0')}.json`);
  await fs.writeFile(file, JSON.stringify(record, null, 2) + '\n', { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EEXIST') throw new StudyError('another process extended the study at the same moment: try again', 'conflict', 'id');
    throw err;
  });
}

export function readStudyIndex(dir: string): Promise<StudyIndexLine[]> {
  return readLines(indexFile(dir), StudyIndexLineSchema);
}

/**
 * Runs `work` holding the lock of the study's runs.jsonl, with an appender for it: the only way lines are
 * added, so two processes materialising one study never write the same run twice.
 */
export function withStudyIndexLock<T>(dir: string, work: (append: (line: StudyIndexLine) => Promise<void>) => Promise<T>): Promise<T> {
  const file = indexFile(dir);
  return withFileLock(file, () => work((line) => fs.appendFile(file, JSON.stringify(StudyIndexLineSchema.parse(line)) + '\n')));
}

export function readStudySubmissions(dir: string): Promise<StoredSubmission[]> {
  return readLines(submissionsFile(dir), StudySubmissionSchema);
}

export async function recordSubmission(ws: Workspace, id: string, submission: StoredSubmission): Promise<void> {
  const dir = studyDir(ws, id);
  await fs.mkdir(slurmDir(dir), { recursive: true });
  await withFileLock(submissionsFile(dir), async () => fs.appendFile(submissionsFile(dir), JSON.stringify(StudySubmissionSchema.parse(submission)) + '\n'));
}

/** Ids of the studies that have a spec.json, newest first. */
export async function listStudyIds(ws: Workspace): Promise<string[]> {
  try {
    const names = await fs.readdir(ws.studies);
    return names.filter((n) => STUDY_ID_PATTERN.test(n) && existsSync(specFile(path.join(ws.studies, n)))).sort().reverse();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
