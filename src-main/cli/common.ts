import type { Command } from 'commander';
import { openWorkspace, resolveWorkspacePath, type Workspace } from '../workspace/workspace';

export function workspaceFrom(program: Command): Workspace {
  const opts = program.opts<{ workspace?: string }>();
  return openWorkspace(resolveWorkspacePath({ flag: opts.workspace }));
}

export function parseIntOption(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}: expected an integer ${min}-${max}, got '${value}'`);
    return n;
  };
}

export function parseNumberOption(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name}: expected a number in [${min}, ${max}], got '${value}'`);
    return n;
  };
}

export function pct(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '  -  ' : (v * 100).toFixed(2);
}
