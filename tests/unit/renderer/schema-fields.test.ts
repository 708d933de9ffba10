/**
 * Reading a form from a zod schema (src-renderer/src/lib/schema-fields.ts), on a schema written here: so a
 * control kind, a bound or a default comes from whatever schema the form is given, not from a list that
 * happens to match today's run config.
 */
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { fieldPaths, numberFits, schemaAt, schemaField, SchemaPathError, toSchemaShape } from '../../../src-renderer/src/lib/schema-fields';

const schema = z.strictObject({
  title: z.string().trim().min(1).max(50).optional(),
  labels: z.array(z.string()).max(5).default([]),
  n: z.number().int().min(2).max(9).default(3),
  rate: z.number().gt(0).lt(1),
  mode: z.enum(['fast', 'slow']).default('slow'),
  on: z.boolean().default(true),
  group: z.strictObject({ size: z.union([z.literal('auto'), z.number().int().min(1)]).default('auto'), cap: z.number().int().min(1).nullable().default(null) }).default({ size: 'auto', cap: null }),
  cores: z.number().int().min(1).max(8).optional(),
  shape: z.discriminatedUnion('kind', [z.strictObject({ kind: z.literal('round') }), z.strictObject({ kind: z.literal('box'), w: z.number(), h: z.number() })]).default({ kind: 'round' }),
});

describe('what a schema says about each field', () => {
  it('lists the fields: objects walked, a discriminated union as one field', () => {
    expect(fieldPaths(schema)).toEqual(['title', 'labels', 'n', 'rate', 'mode', 'on', 'group.size', 'group.cap', 'cores', 'shape']);
  });

  it('numbers: whole or not, inclusive or exclusive bounds, default', () => {
    expect(schemaField(schema, 'n')).toEqual({ path: 'n', spec: { kind: 'number', integer: true, min: 2, max: 9, minInclusive: true, maxInclusive: true }, optional: false, default: 3 });
    const rate = schemaField(schema, 'rate').spec;
    expect(rate).toEqual({ kind: 'number', integer: false, min: 0, max: 1, minInclusive: false, maxInclusive: false });
    expect('default' in schemaField(schema, 'rate')).toBe(false);
    if (rate.kind !== 'number') throw new Error('rate');
    expect([0, 0.5, 1, Number.NaN, '0.5'].map((v) => numberFits(rate, v))).toEqual([false, true, false, false, false]);
    const n = schemaField(schema, 'n').spec;
    if (n.kind !== 'number') throw new Error('n');
    expect([1, 2, 2.5, 9, 10].map((v) => numberFits(n, v))).toEqual([false, true, false, true, false]);
  });

  it('choices, checkboxes, text and lists', () => {
    expect(schemaField(schema, 'mode')).toMatchObject({ spec: { kind: 'choice', options: ['fast', 'slow'] }, default: 'slow' });
    expect(schemaField(schema, 'on')).toMatchObject({ spec: { kind: 'boolean' }, default: true });
    expect(schemaField(schema, 'title')).toMatchObject({ spec: { kind: 'text', minLength: 1, maxLength: 50 }, optional: true });
    expect(schemaField(schema, 'labels')).toMatchObject({ spec: { kind: 'list', maxItems: 5 }, default: [] });
  });

  it("switches: number | 'auto', a nullable number, an optional number without a default", () => {
    expect(schemaField(schema, 'group.size').spec).toMatchObject({ kind: 'switch-or-number', switchValue: 'auto', number: { integer: true, min: 1 } });
    expect(schemaField(schema, 'group.cap').spec).toMatchObject({ kind: 'switch-or-number', switchValue: null });
    expect(schemaField(schema, 'cores').spec).toMatchObject({ kind: 'switch-or-number', switchValue: undefined, number: { min: 1, max: 8 } });
  });

  it("a discriminated union: its choices and each variant's fields; a variant's field can be looked up", () => {
    expect(schemaField(schema, 'shape').spec).toEqual({ kind: 'variant', discriminator: 'kind', variants: { round: [], box: ['w', 'h'] } });
    expect(schemaField(schema, 'shape.w').spec).toMatchObject({ kind: 'number' });
  });

  it('a path the schema does not have is named', () => {
    expect(() => schemaAt(schema, 'group.nope')).toThrow(new SchemaPathError("the schema has no field 'group.nope'"));
    expect(() => schemaField(schema, 'n.x')).toThrow(SchemaPathError);
  });
});

describe("a form's values in the schema's shape", () => {
  it("drops what the schema does not have (a variant's leftovers, unknown keys) and blank optional text; keeps invalid values for the schema to name", () => {
    const shaped = toSchemaShape(schema, {
      title: '  ',
      n: null,
      rate: 'x',
      shape: { kind: 'round', w: 3, h: 4 },
      group: { size: '', cap: null, stale: 1 },
      extra: true,
    });
    expect(shaped).toEqual({ n: null, rate: 'x', shape: { kind: 'round' }, group: { size: '', cap: null } });
    expect(toSchemaShape(schema, { shape: { kind: 'box', w: 3, h: 4 } })).toEqual({ shape: { kind: 'box', w: 3, h: 4 } });
    // A variant the schema does not know is passed on whole, for the schema to refuse.
    expect(toSchemaShape(schema, { shape: { kind: 'star', r: 1 } })).toEqual({ shape: { kind: 'star', r: 1 } });
    const r = schema.safeParse(toSchemaShape(schema, { rate: 0.5, title: '', shape: { kind: 'round', w: 1 } }));
    expect(r.success).toBe(true);
  });
});
