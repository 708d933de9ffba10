/**
 * What a form field is, read from a zod schema: the New-run form asks the shared run-config schema
 * (src-shared/run-config.ts) what each config path holds and draws the control that fits, so a bound, a
 * choice, a type or a default lives in the schema alone.
 *
 *   number (bounds, whole or not)     -> number input with min/max
 *   enum / literal                    -> select
 *   boolean                           -> checkbox
 *   string                            -> text input
 *   array of strings                  -> comma-separated text
 *   number | 'auto', nullable number, optional number
 *                                     -> a switch ("auto") plus a number input
 *   discriminated union               -> a select of the discriminator plus the chosen variant's fields
 *
 * It reads zod 4's public definition objects (`_zod.def`), which is what zod's own JSON-schema export reads.
 * Pure: no DOM, no Svelte.
 */
import { isPlainObject } from '../../../src-shared/config-paths';

/** The zod definition fields this module reads. */
interface Def {
  type: string;
  shape?: Record<string, Schema>;
  innerType?: Schema;
  options?: Schema[];
  discriminator?: string;
  entries?: Record<string, string>;
  values?: unknown[];
  element?: Schema;
  checks?: { _zod: { def: CheckDef } }[];
  defaultValue?: unknown;
}
interface CheckDef {
  check: string;
  value?: number;
  inclusive?: boolean;
  format?: string;
  minimum?: number;
  maximum?: number;
}
/** Any zod schema (only its definition is read). */
export interface Schema {
  _zod: { def: unknown };
}
const defOf = (s: Schema) => s._zod.def as Def;

export interface NumberSpec {
  kind: 'number';
  integer: boolean;
  min?: number;
  max?: number;
  /** Whether `min` itself is allowed (`gt(0)`: no). */
  minInclusive: boolean;
  maxInclusive: boolean;
}

export type FieldSpec =
  | NumberSpec
  | { kind: 'choice'; options: readonly string[] }
  | { kind: 'boolean' }
  | { kind: 'text'; minLength?: number; maxLength?: number }
  | { kind: 'list'; maxItems?: number }
  /** A number, or the switch value ('auto', null, or absent) that a checkbox stands for. */
  | { kind: 'switch-or-number'; switchValue: 'auto' | null | undefined; number: NumberSpec }
  /** A discriminated union: the discriminator's choices and each variant's other fields. */
  | { kind: 'variant'; discriminator: string; variants: Record<string, readonly string[]> };

export interface SchemaField {
  path: string;
  spec: FieldSpec;
  /** The field may be left out of the config. */
  optional: boolean;
  /** The schema's default, if it has one. */
  default?: unknown;
}

export class SchemaPathError extends Error {}

const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'nonoptional', 'catch']);

/** The schema inside default/optional/nullable wrappers, and what the wrappers said. */
function unwrap(schema: Schema): { base: Schema; optional: boolean; nullable: boolean; hasDefault: boolean; default?: unknown } {
  let s = schema;
  const out = { optional: false, nullable: false, hasDefault: false, default: undefined as unknown };
  while (WRAPPERS.has(defOf(s).type)) {
    const d = defOf(s);
    if (d.type === 'optional') out.optional = true;
    if (d.type === 'nullable') out.nullable = true;
    if ((d.type === 'default' || d.type === 'prefault') && !out.hasDefault) {
      out.hasDefault = true;
      out.default = d.defaultValue;
    }
    s = d.innerType!;
  }
  return { base: s, ...out };
}

function numberSpec(schema: Schema): NumberSpec {
  const spec: NumberSpec = { kind: 'number', integer: false, minInclusive: true, maxInclusive: true };
  for (const c of defOf(schema).checks ?? []) {
    const d = c._zod.def;
    if (d.check === 'number_format' && (d.format === 'safeint' || d.format === 'int32' || d.format === 'uint32')) spec.integer = true;
    if (d.check === 'greater_than' && (spec.min === undefined || d.value! >= spec.min)) {
      spec.min = d.value!;
      spec.minInclusive = !!d.inclusive;
    }
    if (d.check === 'less_than' && (spec.max === undefined || d.value! <= spec.max)) {
      spec.max = d.value!;
      spec.maxInclusive = !!d.inclusive;
    }
  }
  return spec;
}

function lengthBound(schema: Schema, check: 'min_length' | 'max_length'): number | undefined {
  const c = (defOf(schema).checks ?? []).find((x) => x._zod.def.check === check)?._zod.def;
  return c ? (check === 'min_length' ? c.minimum : c.maximum) : undefined;
}

/** The object schemas of a discriminated union's variants, by discriminator value. */
function variantsOf(schema: Schema): Map<string, Schema> {
  const d = defOf(schema);
  const out = new Map<string, Schema>();
  for (const option of d.options ?? []) {
    const tag = defOf(unwrap(defOf(option).shape![d.discriminator!]!).base).values?.[0];
    out.set(String(tag), option);
  }
  return out;
}

const isDiscriminated = (s: Schema) => defOf(s).type === 'union' && typeof defOf(s).discriminator === 'string';

/** The (wrapped) schema at a dot-separated path; a variant's field is looked up in the variants that have it. */
export function schemaAt(root: Schema, path: string): Schema {
  let node = root;
  const keys = path.split('.');
  for (const [i, key] of keys.entries()) {
    const base = unwrap(node).base;
    const d = defOf(base);
    let next: Schema | undefined;
    if (d.type === 'object') next = d.shape![key];
    else if (isDiscriminated(base)) next = [...variantsOf(base).values()].map((v) => defOf(v).shape![key]).find((s) => s !== undefined);
    if (!next) throw new SchemaPathError(`the schema has no field '${keys.slice(0, i + 1).join('.')}'`);
    node = next;
  }
  return node;
}

/** What the field at `path` holds, and so which control it gets. */
export function schemaField(root: Schema, path: string): SchemaField {
  const u = unwrap(schemaAt(root, path));
  const d = defOf(u.base);
  const field = (spec: FieldSpec): SchemaField => ({ path, spec, optional: u.optional, ...(u.hasDefault ? { default: u.default } : {}) });
  switch (d.type) {
    case 'number':
      if (u.nullable) return field({ kind: 'switch-or-number', switchValue: null, number: numberSpec(u.base) });
      if (u.optional && !u.hasDefault) return field({ kind: 'switch-or-number', switchValue: undefined, number: numberSpec(u.base) });
      return field(numberSpec(u.base));
    case 'enum':
      return field({ kind: 'choice', options: Object.values(d.entries!) });
    case 'literal':
      return field({ kind: 'choice', options: d.values!.map(String) });
    case 'boolean':
      return field({ kind: 'boolean' });
    case 'string':
      return field({ kind: 'text', minLength: lengthBound(u.base, 'min_length'), maxLength: lengthBound(u.base, 'max_length') });
    case 'array':
      if (defOf(unwrap(d.element!).base).type !== 'string') break;
      return field({ kind: 'list', maxItems: lengthBound(u.base, 'max_length') });
    case 'union': {
      if (isDiscriminated(u.base)) {
        const variants: Record<string, string[]> = {};
        for (const [tag, v] of variantsOf(u.base)) variants[tag] = Object.keys(defOf(v).shape!).filter((k) => k !== d.discriminator);
        return field({ kind: 'variant', discriminator: d.discriminator!, variants });
      }
      const options = d.options!.map((o) => unwrap(o).base);
      const literal = options.find((o) => defOf(o).type === 'literal');
      const number = options.find((o) => defOf(o).type === 'number');
      if (options.length === 2 && literal && number && defOf(literal).values!.length === 1 && defOf(literal).values![0] === 'auto') {
        return field({ kind: 'switch-or-number', switchValue: 'auto', number: numberSpec(number) });
      }
      break;
    }
  }
  throw new SchemaPathError(`no form control fits the schema of '${path}' (${d.type})`);
}

/**
 * Every field path of an object schema: objects are walked, and a discriminated union is one field (its
 * control shows the chosen variant's fields).
 */
export function fieldPaths(root: Schema, prefix = ''): string[] {
  const base = unwrap(root).base;
  const d = defOf(base);
  if (d.type === 'object') return Object.entries(d.shape!).flatMap(([k, v]) => fieldPaths(v, prefix ? `${prefix}.${k}` : k));
  return [prefix];
}

/** Whether `value` is a number the spec accepts. */
export function numberFits(spec: NumberSpec, value: unknown): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (spec.integer && !Number.isInteger(value)) return false;
  if (spec.min !== undefined && (spec.minInclusive ? value < spec.min : value <= spec.min)) return false;
  if (spec.max !== undefined && (spec.maxInclusive ? value > spec.max : value >= spec.max)) return false;
  return true;
}

/**
 * A form's values as the config the schema reads: keys the schema does not have are dropped (a variant
 * keeps only its own fields, so a form may remember a step size while the schedule is exponential), and an
 * optional text left blank is left out. Every other value passes unchanged, invalid ones included, for the
 * schema to name.
 */
export function toSchemaShape(schema: Schema, value: unknown): unknown {
  const u = unwrap(schema);
  const d = defOf(u.base);
  if (d.type === 'string' && u.optional && typeof value === 'string' && value.trim() === '') return undefined;
  if (!isPlainObject(value)) return value;
  let shape: Record<string, Schema> | undefined;
  if (d.type === 'object') shape = d.shape;
  else if (isDiscriminated(u.base)) {
    const variant = variantsOf(u.base).get(String(value[d.discriminator!]));
    if (!variant) return value;
    shape = defOf(variant).shape;
  }
  if (!shape) return value;
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(shape)) {
    if (value[k] === undefined) continue;
    const v = toSchemaShape(s, value[k]);
    if (v !== undefined) out[k] = v;
  }
  return out;
}
