/**
 * Reading the small text files datasets ship (CSV split files, list files, sidecars) the way they are found
 * in the wild: UTF-8 with or without a BOM, LF or CRLF, trailing blank lines, stray spaces.
 */
import { promises as fs } from 'node:fs';

export interface TextLine {
  /** 1-based, for error messages. */
  number: number;
  text: string;
}

export type TextFileResult =
  | { ok: true; lines: TextLine[] }
  | { ok: false; reason: 'missing' | 'unreadable'; message: string };

/** Non-blank, trimmed lines; BOM and CR removed. Never throws. */
export async function readTextLines(file: string): Promise<TextFileResult> {
  let raw: string;
  try {
    raw = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, reason: 'missing', message: `missing file ${file}` };
    return { ok: false, reason: 'unreadable', message: `cannot read ${file}: ${(err as Error).message}` };
  }
  if (raw.charCodeAt(0) === 0xfeff) raw = raw.slice(1);
  const lines: TextLine[] = [];
  raw.split(/\r\n|\n|\r/).forEach((text, i) => {
    const trimmed = text.trim();
    if (trimmed) lines.push({ number: i + 1, text: trimmed });
  });
  return { ok: true, lines };
}

/** Splits one CSV line on commas, trimming cells and removing surrounding double quotes. */
export function splitCsvLine(text: string): string[] {
  return text.split(',').map((cell) => cell.trim().replace(/^"(.*)"$/, '$1').trim());
}

/** Splits on runs of spaces or tabs (list files and FERV39k setups). */
export function splitWhitespace(text: string): string[] {
  return text.split(/[ \t]+/).filter(Boolean);
}
