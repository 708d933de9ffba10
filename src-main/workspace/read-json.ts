/**
 * Reading workspace files through their schemas. Every failure is a WorkspaceFileError that names the
 * file (absolute path) and says what is wrong with it: missing, unreadable, empty, truncated or invalid
 * JSON, or which fields do not match the schema. Never a bare `Unexpected end of JSON input`.
 */
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';

export class WorkspaceFileError extends Error {
  /**
   * @param file absolute path of the file
   * @param reason what is wrong with it, in plain words
   * @param line the 1-based line, for a line of a JSON Lines file
   */
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly line?: number,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'WorkspaceFileError';
  }
}

/** What to do when the file does not exist: throw (the default), or return this value instead. */
export interface ReadJsonOptions<M> {
  missing?: 'throw' | M;
}

/** How many schema problems a message lists before "and N more". */
const MAX_ISSUES = 6;

function fieldPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out ? `.${String(s)}` : String(s);
  return out || '(top level)';
}

/** The schema's complaints, each with the field it is about: `datasets[2].spec.root: Invalid input`. */
export function describeIssues(error: z.ZodError): string {
  const parts = error.issues.slice(0, MAX_ISSUES).map((issue) => `${fieldPath(issue.path)}: ${issue.message}`);
  if (error.issues.length > MAX_ISSUES) parts.push(`and ${error.issues.length - MAX_ISSUES} more`);
  return parts.join('; ');
}

/** 1-based line and column of a character offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/** Why `text` is not JSON, or null when it is (then `value` holds it). */
function parseJson(text: string): { value: unknown; problem: null } | { value?: undefined; problem: string } {
  if (!text.trim()) return { problem: 'the file is empty (a write that never finished?)' };
  try {
    return { value: JSON.parse(text), problem: null };
  } catch (err) {
    const message = (err as Error).message;
    const at = /at position (\d+)/.exec(message);
    // The parser ran out of text (rather than meeting a wrong character): the file was cut short.
    if (/Unexpected end of JSON input/i.test(message) || (at && Number(at[1]) >= text.trimEnd().length)) {
      return { problem: `truncated JSON: the text ends (after ${Buffer.byteLength(text)} bytes) before the value is complete` };
    }
    const where = at ? ` at ${lineColumn(text, Number(at[1]))}` : '';
    // V8 quotes the whole text in some messages ("Unexpected token 'x', "{...}" is not valid JSON").
    const what = message.replace(/\s*in JSON at position \d+.*$/s, '').replace(/, ".*" is not valid JSON$/s, '');
    return { problem: `invalid JSON${where}: ${what}` };
  }
}

/**
 * Parses and validates the text of a JSON file (a byte-order mark is allowed). Throws WorkspaceFileError
 * naming `file` for invalid or truncated JSON and for a value that does not match the schema.
 */
export function parseJsonText<S extends z.ZodType>(file: string, text: string, schema: S): z.output<S> {
  const absolute = path.resolve(file);
  const parsed = parseJson(text.replace(/^\uFEFF/, ''));
  if (parsed.problem !== null) throw new WorkspaceFileError(absolute, parsed.problem);
  const checked = schema.safeParse(parsed.value);
  if (!checked.success) throw new WorkspaceFileError(absolute, `does not match its schema: ${describeIssues(checked.error)}`);
  return checked.data;
}

function readProblem(err: unknown): { missing: boolean; reason: string } {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return { missing: true, reason: 'the file is missing' };
  if (e.code === 'EISDIR') return { missing: false, reason: 'cannot be read: it is a folder, not a file' };
  if (e.code === 'EACCES' || e.code === 'EPERM') return { missing: false, reason: `cannot be read: permission denied (${e.code})` };
  return { missing: false, reason: `cannot be read: ${e.code ? `${e.code}: ` : ''}${e.message}` };
}

/**
 * Reads, parses and validates a JSON file. `missing`: what a file that does not exist gives (default:
 * a WorkspaceFileError, like every other failure).
 */
export async function readJsonFile<S extends z.ZodType>(file: string, schema: S): Promise<z.output<S>>;
export async function readJsonFile<S extends z.ZodType, M>(file: string, schema: S, options: ReadJsonOptions<M>): Promise<z.output<S> | Exclude<M, 'throw'>>;
export async function readJsonFile<S extends z.ZodType, M>(file: string, schema: S, options: ReadJsonOptions<M> = {}): Promise<z.output<S> | M> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await fs.readFile(absolute, 'utf8');
  } catch (err) {
    const problem = readProblem(err);
    if (problem.missing && options.missing !== undefined && options.missing !== 'throw') return options.missing;
    throw new WorkspaceFileError(absolute, problem.reason);
  }
  return parseJsonText(absolute, text, schema);
}

/** Synchronous twin of readJsonFile, for the few places that cannot await. */
export function readJsonFileSync<S extends z.ZodType>(file: string, schema: S): z.output<S>;
export function readJsonFileSync<S extends z.ZodType, M>(file: string, schema: S, options: ReadJsonOptions<M>): z.output<S> | Exclude<M, 'throw'>;
export function readJsonFileSync<S extends z.ZodType, M>(file: string, schema: S, options: ReadJsonOptions<M> = {}): z.output<S> | M {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    const problem = readProblem(err);
    if (problem.missing && options.missing !== undefined && options.missing !== 'throw') return options.missing;
    throw new WorkspaceFileError(absolute, problem.reason);
  }
  return parseJsonText(absolute, text, schema);
}

/** A last line without its newline that is not a whole record: a write cut short (crash, full disk). */
export interface TornLine {
  /** 1-based line number. */
  line: number;
  /** Why it is not a record. */
  reason: string;
  /** Its bytes, as far as they got. */
  text: string;
}

export interface JsonLines<T> {
  records: T[];
  /** The torn last line, if there is one; it is not among `records`. */
  torn: TornLine | null;
}

/**
 * Parses a JSON Lines file (metrics.jsonl): one record per line, blank lines ignored. A last line without a
 * trailing newline that does not parse or validate is a torn append, returned in `torn` (the records before
 * it are good). Any other bad line is corruption: a WorkspaceFileError naming the file and the line. A last
 * line without a newline that is a whole, valid record counts (an editor may have dropped the newline).
 */
export function parseJsonLines<S extends z.ZodType>(file: string, text: string, schema: S): JsonLines<z.output<S>> {
  const absolute = path.resolve(file);
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  // After the last newline: '' for a file that ends with one, else the unterminated last line.
  const unterminated = lines.length - 1;
  const records: z.output<S>[] = [];
  let torn: TornLine | null = null;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (!raw.trim()) continue;
    const lineNo = i + 1;
    const parsed = parseJson(raw);
    let problem: string | null = parsed.problem;
    let value: z.output<S> | undefined;
    if (problem === null) {
      const checked = schema.safeParse(parsed.value);
      if (checked.success) value = checked.data;
      else problem = `does not match its schema: ${describeIssues(checked.error)}`;
    }
    if (problem === null) {
      records.push(value as z.output<S>);
      continue;
    }
    if (i === unterminated) {
      torn = { line: lineNo, reason: problem, text: raw };
      continue;
    }
    throw new WorkspaceFileError(absolute, `line ${lineNo}: ${problem}`, lineNo);
  }
  return { records, torn };
}
