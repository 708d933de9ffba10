/**
 * The rooms' import rule (README "Architecture"): the main side (src-main, Node) and the renderer
 * (src-renderer, DOM) never import each other's code at run time; what both need lives in src-shared, which
 * imports neither side and nothing from Node. Type-only imports are erased by the compiler and allowed
 * (the renderer reads the API contract's types). Every .ts and .svelte file is parsed with the TypeScript
 * compiler, so an import that a regular expression would miss (multi-line, `export ... from`, dynamic
 * `import()`) is still seen.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../../..');
type Room = 'src-main' | 'src-renderer' | 'src-shared';
const ROOMS: Room[] = ['src-main', 'src-renderer', 'src-shared'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : filesUnder(full);
    return /\.(ts|svelte)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The script blocks of a Svelte component, or the whole file for TypeScript. */
function scriptOf(file: string): string {
  const text = readFileSync(file, 'utf8');
  if (!file.endsWith('.svelte')) return text;
  return [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
}

interface ImportUse {
  specifier: string;
  /** false when the compiler erases it (import type / export type, or every binding marked `type`). */
  runtime: boolean;
  line: number;
}

function importsOf(file: string, source = scriptOf(file)): ImportUse[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: ImportUse[] = [];
  const lineOf = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart()).line + 1;
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      let runtime = true;
      if (clause?.isTypeOnly) runtime = false;
      else if (clause && !clause.name && clause.namedBindings && ts.isNamedImports(clause.namedBindings)) {
        const els = clause.namedBindings.elements;
        runtime = els.length === 0 || !els.every((e) => e.isTypeOnly);
      }
      out.push({ specifier: node.moduleSpecifier.text, runtime, line: lineOf(node) });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push({ specifier: node.moduleSpecifier.text, runtime: !node.isTypeOnly, line: lineOf(node) });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) out.push({ specifier: arg.text, runtime: true, line: lineOf(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

function roomOf(absolute: string): Room | null {
  const rel = path.relative(ROOT, absolute).split(path.sep)[0];
  return (ROOMS as string[]).includes(rel!) ? (rel as Room) : null;
}

/** Every runtime import that crosses the rule, as "file:line -> specifier (why)". */
function violations(): string[] {
  const found: string[] = [];
  for (const room of ROOMS) {
    for (const file of filesUnder(path.join(ROOT, room))) {
      for (const use of importsOf(file)) {
        if (!use.runtime) continue;
        const where = `${path.relative(ROOT, file)}:${use.line} -> ${use.specifier}`;
        if (room === 'src-shared' && (use.specifier.startsWith('node:') || /^(fs|path|os|child_process|electron)$/.test(use.specifier))) {
          found.push(`${where} (src-shared is pure: no Node modules)`);
          continue;
        }
        if (!use.specifier.startsWith('.')) continue;
        const target = roomOf(path.resolve(path.dirname(file), use.specifier));
        if (target === null || target === room || target === 'src-shared') continue;
        found.push(`${where} (${room} may not import ${target} at run time; move what both need to src-shared)`);
      }
    }
  }
  return found;
}

describe('import boundaries between the main side, the renderer and the shared room', () => {
  it('no runtime import crosses between src-main and src-renderer, and src-shared imports neither nor Node', () => {
    expect(violations()).toEqual([]);
  });

  it('the checker sees the imports it must (multi-line, re-exports, dynamic, Svelte scripts) and lets type-only ones pass', () => {
    const src = [
      "import {\n  a,\n  b,\n} from '../../src-main/engine/trainer';",
      "import type { C } from '../../src-main/api/contract';",
      "import { type D, type E } from '../../src-main/api/contract';",
      "import { type F, g } from '../../src-main/api/contract';",
      "export { h } from '../../src-main/x';",
      "export type { I } from '../../src-main/y';",
      "const m = await import('../../src-main/z');",
    ].join('\n');
    const uses = importsOf('probe.ts', src);
    expect(uses.map((u) => [u.specifier, u.runtime])).toEqual([
      ['../../src-main/engine/trainer', true],
      ['../../src-main/api/contract', false],
      ['../../src-main/api/contract', false],
      ['../../src-main/api/contract', true],
      ['../../src-main/x', true],
      ['../../src-main/y', false],
      ['../../src-main/z', true],
    ]);
  });
});

/**
 * The main side's rooms, lowest first (README "Architecture"): a room may import, at run time, its own
 * room, its peers, the rooms below it and src-shared, never one above. Type-only imports are erased and allowed (the
 * engine names the API's report types). `api/events.ts` (the event bus) is the one runtime exception: the
 * run queue and the study runner publish on it.
 */
const LAYERS = ['security', 'workspace', 'data', 'engine', 'services', 'studies', 'api', 'cli', 'electron', 'web'] as const;
/** Rooms of one rank are peers and may use each other (studies run through the run queue; app:// serves the built UI as web mode does). */
const RANK: Record<(typeof LAYERS)[number], number> = { security: 0, workspace: 0, data: 1, engine: 2, services: 3, studies: 3, api: 4, cli: 5, electron: 5, web: 5 };

function layerOf(absolute: string): string | null {
  const rel = path.relative(path.join(ROOT, 'src-main'), absolute);
  if (rel.startsWith('..')) return null;
  const first = rel.split(path.sep)[0]!;
  return (LAYERS as readonly string[]).includes(first) ? first : null;
}

function layerViolations(): string[] {
  const found: string[] = [];
  for (const file of filesUnder(path.join(ROOT, 'src-main'))) {
    const from = layerOf(file);
    if (from === null) continue;
    for (const use of importsOf(file)) {
      if (!use.runtime || !use.specifier.startsWith('.')) continue;
      const resolved = path.resolve(path.dirname(file), use.specifier);
      const to = layerOf(resolved);
      if (to === null || RANK[to as keyof typeof RANK] <= RANK[from as keyof typeof RANK]) continue;
      if (path.relative(ROOT, resolved) === path.join('src-main', 'api', 'events')) continue;
      found.push(`${path.relative(ROOT, file)}:${use.line} -> ${use.specifier} (${from} may not import ${to}, a room above it, at run time)`);
    }
  }
  return found;
}

describe('the main side\'s layers', () => {
  it('no room imports a room above it at run time (workspace < data < engine < services, studies < api < cli, electron, web)', () => {
    expect(layerViolations()).toEqual([]);
  });

  it('every room of src-main has a rank, so a new one is placed on purpose', () => {
    const rooms = readdirSync(path.join(ROOT, 'src-main'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    const unranked = rooms.filter((r) => !(r in RANK));
    expect(unranked).toEqual([]);
  });
});
