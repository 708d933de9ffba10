/**
 * Reading the small text files datasets ship (CSV split files, list files, sidecars) the way they are found
 * in the wild: UTF-8 with or without a BOM, LF or CRLF, trailing blank lines, stray spaces. CSV goes through
 * csv-parse (RFC 4180: quoted commas, quoted line breaks, doubled quotes), not a split on commas.
 */
import { promises as fs } from 'node:fs';
import { parse as parseCsv, CsvError } from 'csv-parse/sync';

export interface TextLine {
  /** 1-based, for error messages. */
  number: number;
  text: string;
}

export type TextFileResult =
  | { ok: true; lines: TextLine[] }
  | { ok: false; reason: 'missing' | 'unreadable'; message: string };

type FileProblem = { ok: false; reason: 'missing' | 'unreadable'; message: string };

async function readText(file: string): Promise<{ ok: true; raw: string } | FileProblem> {
  try {
    return { ok: true, raw: await fs.readFile(file, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, reason: 'missing', message: `missing file ${file}` };
    return { ok: false, reason: 'unreadable', message: `cannot read ${file}: ${(err as Error).message}` };
  }
}

/** Non-blank, trimmed lines; BOM and CR removed. Never throws. */
export async function readTextLines(file: string): Promise<TextFileResult> {
  const read = await readText(file);
  if (!read.ok) return read;
  let raw = read.raw;
  if (raw.charCodeAt(0) === 0xfeff) raw = raw.slice(1);
  const lines: TextLine[] = [];
  raw.split(/\r\n|\n|\r/).forEach((text, i) => {
    const trimmed = text.trim();
    if (trimmed) lines.push({ number: i + 1, text: trimmed });
  });
  return { ok: true, lines };
}

export interface CsvRow {
  /** 1-based line the record starts on, for error messages. */
  number: number;
  /** The record as written (trimmed), for error messages. */
  text: string;
  /** Cells, trimmed, quotes removed; a quoted cell may hold commas and line breaks. */
  cells: string[];
}

export type CsvFileResult = { ok: true; rows: CsvRow[] } | FileProblem;

const LINE_BREAKS = /\r\n|\n|\r/g;

/**
 * Non-blank CSV records; BOM removed, LF/CRLF/CR mixed freely, rows may differ in length. Never throws: a
 * malformed file (an unclosed quote) is `unreadable` with the file and line in the message.
 */
export async function readCsvRows(file: string): Promise<CsvFileResult> {
  const read = await readText(file);
  if (!read.ok) return read;
  let records: { record: string[]; raw: string; info: { lines: number } }[];
  try {
    // With `info` and `raw` each record comes as { record, raw, info }; csv-parse's types do not narrow on options.
    records = parseCsv(read.raw, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      relax_quotes: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      info: true,
      raw: true,
    }) as unknown as typeof records;
  } catch (err) {
    const lines = err instanceof CsvError ? (err as CsvError & { lines?: unknown }).lines : undefined;
    const line = typeof lines === 'number' ? ` line ${lines}` : '';
    return { ok: false, reason: 'unreadable', message: `cannot parse ${file}${line} as CSV: ${(err as Error).message}` };
  }
  return {
    ok: true,
    rows: records.map(({ record, raw, info }) => {
      // info.lines is the line the record ends on; line breaks inside quoted cells move its start back.
      const breaksInside = record.reduce((n, cell) => n + (cell.match(LINE_BREAKS)?.length ?? 0), 0);
      return { number: info.lines - breaksInside, text: raw.trim(), cells: record };
    }),
  };
}

/** Splits on runs of spaces or tabs (list files and FERV39k setups). */
export function splitWhitespace(text: string): string[] {
  return text.split(/[ \t]+/).filter(Boolean);
}
