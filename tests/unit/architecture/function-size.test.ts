/**
 * The trainer stays in readable parts (README "Architecture"): no function in the files that run a run is
 * longer than 80 lines. Functions are found with the TypeScript compiler (declarations, methods, arrow
 * functions and function expressions), and a function's lines are counted from its first to its last line,
 * nested functions included, so splitting a long body into inner closures does not pass.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../../..');
const LIMIT = 80;
const FILES = ['src-main/engine/trainer.ts', 'src-main/engine/train-epoch.ts', 'src-main/engine/run-recorder.ts'];

interface FunctionSpan {
  name: string;
  line: number;
  lines: number;
}

function functionSpans(file: string, source: string): FunctionSpan[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: FunctionSpan[] = [];
  const lineOf = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line + 1;
  const nameOf = (node: ts.Node): string => {
    const named = node as ts.Node & { name?: ts.Node };
    if (named.name && (ts.isIdentifier(named.name) || ts.isPrivateIdentifier(named.name))) return named.name.text;
    if (ts.isConstructorDeclaration(node)) return 'constructor';
    const parent = node.parent;
    if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
    if (parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
    return '(anonymous)';
  };
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = lineOf(node.getStart(sf));
      out.push({ name: nameOf(node), line: start, lines: lineOf(node.getEnd()) - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

describe('the trainer in readable parts', () => {
  it('measures functions the way a reader would (a self-check of the counter)', () => {
    const body = Array.from({ length: 90 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const spans = functionSpans('x.ts', `function long() {\n${body}\n}\nconst short = () => {\n  return 1;\n};\nclass C {\n  m() {\n    return 2;\n  }\n}\n`);
    expect(spans).toEqual([
      { name: 'long', line: 1, lines: 92 },
      { name: 'short', line: 93, lines: 3 },
      { name: 'm', line: 97, lines: 3 },
    ]);
  });

  for (const file of FILES) {
    it(`${file}: no function over ${LIMIT} lines`, () => {
      const spans = functionSpans(file, readFileSync(path.join(ROOT, file), 'utf8'));
      expect(spans.length).toBeGreaterThan(3);
      const long = spans.filter((s) => s.lines > LIMIT).map((s) => `${s.name} (line ${s.line}): ${s.lines} lines`);
      expect(long).toEqual([]);
    });
  }
});
