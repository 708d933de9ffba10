/**
 * Run configs as plain objects, before validation: a deep merge (presets under a config file under
 * command-line options) and setting one dot-separated path (`--set loss.alpha=0.5`, a study's axes). Pure.
 * Whether a path exists and its value is valid is the run-config schema's call, which names the path.
 */

/** A JSON object (not null, not an array). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge: objects merge key by key, anything else in `over` replaces `base`. */
export function mergeConfig(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeConfig(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

/** A copy of `config` with `path` (dot-separated) set to `value`; objects on the way are created. */
export function setConfigPath(config: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const keys = path.split('.');
  const out: Record<string, unknown> = { ...config };
  let node = out;
  for (let i = 0; i < keys.length - 1; i++) {
    const k = keys[i]!;
    const child = node[k];
    if (child !== undefined && !isPlainObject(child)) throw new Error(`cannot set ${path}: ${keys.slice(0, i + 1).join('.')} is ${JSON.stringify(child)}, not an object`);
    node[k] = isPlainObject(child) ? { ...child } : {};
    node = node[k] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = isPlainObject(value) && isPlainObject(node[keys.at(-1)!]) ? mergeConfig(node[keys.at(-1)!] as Record<string, unknown>, value) : value;
  return out;
}

/** The value at `path`, or undefined. */
export function getConfigPath(config: unknown, path: string): unknown {
  let node = config;
  for (const k of path.split('.')) {
    if (!isPlainObject(node)) return undefined;
    node = node[k];
  }
  return node;
}

export type ScalarParam = string | number | boolean | null;

/**
 * Every scalar leaf of a config as `dotted.path -> value` (arrays of scalars joined with ', '): what the
 * Runs table shows as hyperparameter columns and filters on. Objects recurse; nothing is dropped but
 * arrays of objects.
 */
export function flattenConfig(config: unknown, prefix = ''): Record<string, ScalarParam> {
  const out: Record<string, ScalarParam> = {};
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return out;
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    const p = prefix ? `${prefix}.${key}` : key;
    if (value === undefined) continue;
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[p] = value;
    else if (Array.isArray(value)) {
      if (value.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))) out[p] = value.join(', ');
    } else Object.assign(out, flattenConfig(value, p));
  }
  return out;
}

/**
 * Sets `path` in `config` itself to `value`, replacing what was there (no merge); the objects on the way
 * must exist. For state edited in place (New run's form, whose fields write through it).
 */
export function assignConfigPath(config: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = config;
  for (const k of keys.slice(0, -1)) {
    const child = node[k];
    if (!isPlainObject(child)) throw new Error(`cannot set ${path}: ${k} is ${JSON.stringify(child)}, not an object`);
    node = child;
  }
  node[keys.at(-1)!] = value;
}
