/**
 * The New-run form generated from the shared run-config schema, mounted in jsdom: each config path gets
 * the control its schema calls for (bounds, choices, whole numbers, switches, variants), starts at the
 * schema's default, and writes what a person types into the form's state, which becomes the config that
 * is sent. The expectations are read from the schema (and a few written out), never from the form's code.
 */
import { fireEvent, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import { describe, expect, it } from 'vitest';
import { getConfigPath } from '../../src-shared/config-paths';
import { RUN_CONFIG_DEFAULTS, runConfigSchema } from '../../src-shared/run-config';
import { configFromForm, fieldId, fieldLabel, RUN_FORM_SECTIONS, switchPath, type RunFormState } from '../../src-renderer/src/lib/run-form';
import { schemaField } from '../../src-renderer/src/lib/schema-fields';
import RunFormHarness from './RunFormHarness.svelte';

function mount(issues: Record<string, string> = {}) {
  let form!: RunFormState;
  const view = render(RunFormHarness, { props: { onform: (f: RunFormState) => (form = f), issues } });
  const control = <T extends HTMLElement = HTMLInputElement>(path: string) => view.container.querySelector<T>(`#${fieldId(path)}`);
  const config = () => configFromForm(form) as unknown as Record<string, unknown>;
  return { ...view, form: () => form, control, config };
}

async function type(el: HTMLInputElement | HTMLTextAreaElement, value: string) {
  await fireEvent.input(el, { target: { value } });
  await tick();
}
async function choose(el: HTMLSelectElement, value: string) {
  el.value = value;
  await fireEvent.change(el);
  await tick();
}
async function click(el: HTMLInputElement) {
  await fireEvent.click(el);
  await tick();
}

const placed = RUN_FORM_SECTIONS.flatMap((s) => [...s.fields]);

describe('each config field gets the control its schema calls for', () => {
  it('numbers: a number input with the schema bounds, a whole-number step, and the default', () => {
    const { control } = mount();
    let seen = 0;
    for (const path of placed) {
      const { spec, default: def } = schemaField(runConfigSchema, path);
      if (spec.kind !== 'number') continue;
      seen++;
      const input = control(path)!;
      expect(input, path).not.toBeNull();
      expect(input.type, path).toBe('number');
      expect(input.min, path).toBe(spec.min === undefined ? '' : String(spec.min));
      expect(input.max, path).toBe(spec.max === undefined ? '' : String(spec.max));
      if (spec.integer) expect(input.step, path).toBe('1');
      expect(Number(input.value), path).toBe(def ?? getConfigPath(RUN_CONFIG_DEFAULTS, path));
    }
    expect(seen).toBeGreaterThan(20);
    // Spot checks written out, so the test does not only agree with itself.
    expect([control('model.size')!.min, control('model.size')!.max]).toEqual(['16', '448']);
    expect([control('model.frames')!.min, control('model.frames')!.max, control('model.frames')!.step]).toEqual(['1', '64', '1']);
    expect(control('augment.maxRotationDeg')!.max).toBe('180');
  });

  it("choices: a select offering exactly the schema's options, each in words, set to the default", () => {
    const { control } = mount();
    for (const path of placed) {
      const { spec } = schemaField(runConfigSchema, path);
      if (spec.kind !== 'choice') continue;
      const select = control<HTMLSelectElement>(path)!;
      expect(select.tagName, path).toBe('SELECT');
      expect([...select.options].map((o) => o.value).sort(), path).toEqual([...spec.options].sort());
      for (const o of select.options) expect(o.textContent!.length, `${path}=${o.value}`).toBeGreaterThan(o.value === 'e' || o.value === '10' ? 3 : 4);
      expect(select.value, path).toBe(String(getConfigPath(RUN_CONFIG_DEFAULTS, path)));
    }
    expect([...control<HTMLSelectElement>('model.name')!.options].map((o) => o.value)).toEqual(['small', 'former-dfer', 'ial-gca']);
    expect([...control<HTMLSelectElement>('backend')!.options].map((o) => o.value)).toEqual(['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu']);
  });

  it('booleans are checkboxes, text is a text box (notes a text area), every control has its label', () => {
    const { control } = mount();
    expect(control('augment.enabled')!.type).toBe('checkbox');
    expect(control('augment.enabled')!.checked).toBe(true);
    expect(control('pretrain.withAuxLoss')!.checked).toBe(false);
    expect(control('name')!.type).toBe('text');
    expect(control('notes')!.tagName).toBe('TEXTAREA');
    for (const path of placed) {
      const spec = schemaField(runConfigSchema, path).spec;
      const labelled = spec.kind === 'switch-or-number' ? switchPath(path) : spec.kind === 'variant' ? `${path}.${spec.discriminator}` : path;
      const el = screen.getByLabelText(fieldLabel(labelled === `${path}.kind` ? path : labelled), { exact: true });
      expect(el.id, path).toBe(fieldId(labelled));
    }
  });
});

describe('what a person types is the config that is sent', () => {
  it('the untouched form sends the schema defaults', () => {
    const { config } = mount();
    expect(runConfigSchema.parse(config())).toEqual({ ...RUN_CONFIG_DEFAULTS, dataset: { ...RUN_CONFIG_DEFAULTS.dataset, id: 'd1' } });
  });

  it('numbers, choices, checkboxes and the tag list', async () => {
    const { control, config } = mount();
    await type(control('loss.alpha')!, '0.35');
    await type(control('model.size')!, '48');
    await choose(control<HTMLSelectElement>('loss.aux')!, 'ial');
    await click(control('augment.enabled')!);
    const tags = control('tags')!;
    await type(tags, 'paper, fold-1,');
    const c = config() as { loss: { alpha: unknown; aux: unknown }; model: { size: unknown }; augment: { enabled: unknown }; tags: unknown };
    expect(c.loss).toMatchObject({ alpha: 0.35, aux: 'ial' });
    expect(c.model.size).toBe(48);
    expect(c.augment.enabled).toBe(false);
    expect(c.tags).toEqual(['paper', 'fold-1']);
    // The text stays as typed (the trailing comma is not eaten while the list is the same).
    expect(tags.value).toBe('paper, fold-1,');
    // An emptied number is null, and the schema (not the form) judges it.
    await type(control('loss.alpha')!, '');
    expect((config() as { loss: { alpha: unknown } }).loss.alpha).toBeNull();
  });

  it("a switch-or-number field: the switch stands for 'auto' / the rarest class / all cores, the number appears when it is off", async () => {
    const { control, config } = mount();
    const auto = control(switchPath('microBatch'))!;
    expect(auto.checked).toBe(true);
    expect(control('microBatch')).toBeNull();
    expect(config().microBatch).toBe('auto');
    await click(auto);
    // Off and empty: '' (the schema asks for a number), not null or 'auto'.
    expect(control('microBatch')).not.toBeNull();
    expect(config().microBatch).toBe('');
    await type(control('microBatch')!, '8');
    expect(config().microBatch).toBe(8);
    await click(auto);
    expect(config().microBatch).toBe('auto');
    await click(auto);
    expect(control('microBatch')!.value).toBe('8');
    expect(config().microBatch).toBe(8);

    // Nullable: null = as many clips per class as the rarest class has.
    const rarest = control(switchPath('pretrain.maxPerClass'))!;
    expect((config().pretrain as { maxPerClass: unknown }).maxPerClass).toBeNull();
    await click(rarest);
    await type(control('pretrain.maxPerClass')!, '120');
    expect((config().pretrain as { maxPerClass: unknown }).maxPerClass).toBe(120);
    await type(control('pretrain.maxPerClass')!, '');
    // Emptied while off: still off (the number box stays), and the schema refuses it.
    expect(control('pretrain.maxPerClass')).not.toBeNull();
    expect(runConfigSchema.safeParse(config()).success).toBe(false);

    // Optional: absent = all cores.
    expect('threads' in config()).toBe(false);
    await click(control(switchPath('threads'))!);
    await type(control('threads')!, '2');
    expect(config().threads).toBe(2);
  });

  it("a variant (the lr schedule): its select, then only the chosen variant's fields; switching back restores them", async () => {
    const { control, config } = mount();
    const kind = control<HTMLSelectElement>('optimizer.schedule.kind')!;
    const schedule = () => (config().optimizer as { schedule: unknown }).schedule;
    expect(kind.value).toBe('exponential');
    expect(control('optimizer.schedule.stepSize')).toBeNull();
    expect(schedule()).toEqual({ kind: 'exponential', gamma: 0.98 });

    await choose(kind, 'step');
    expect(control('optimizer.schedule.stepSize')!.value).toBe('7'); // the suggestion: the IAL code's StepLR(7, 0.5)
    expect(schedule()).toEqual({ kind: 'step', stepSize: 7, gamma: 0.98 });
    await type(control('optimizer.schedule.stepSize')!, '3');

    await choose(kind, 'constant');
    expect(control('optimizer.schedule.gamma')).toBeNull();
    expect(schedule()).toEqual({ kind: 'constant' });
    expect(runConfigSchema.safeParse(config()).success).toBe(true);

    await choose(kind, 'step');
    expect(schedule()).toEqual({ kind: 'step', stepSize: 3, gamma: 0.98 });
  });
});

describe("the form's messages and unused fields on the generated controls", () => {
  it("a field's issue is shown under it and marks the control invalid", () => {
    const { control, container } = mount({ 'loss.alpha': 'must be at least 0', 'optimizer.schedule.gamma': 'must be at most 1' });
    expect(container.querySelector(`#${fieldId('loss.alpha')}-error`)!.textContent).toBe('must be at least 0');
    expect(control('loss.alpha')!.getAttribute('aria-invalid')).toBe('true');
    expect(control('loss.alpha')!.getAttribute('aria-describedby')).toContain(`${fieldId('loss.alpha')}-error`);
    // A variant's own field gets its message too.
    expect(container.querySelector(`#${fieldId('optimizer.schedule.gamma')}-error`)!.textContent).toBe('must be at most 1');
    expect(control('epochs')!.getAttribute('aria-invalid')).toBeNull();
  });

  it('choosing cross-entropy only greys out alpha and the decay fields, and says why', async () => {
    const { control, container } = mount();
    const unused = (path: string) => container.querySelector(`[data-field="${fieldId(path)}"]`)!.getAttribute('data-unused');
    expect(unused('loss.alpha')).toBeNull();
    expect(unused('auxHeadWeight')).toBe('true'); // only ial-gca has auxiliary heads
    await choose(control<HTMLSelectElement>('loss.aux')!, 'none');
    for (const p of ['loss.alpha', 'loss.decay.A', 'loss.decay.lambda', 'loss.eps', 'loss.logBase']) expect(unused(p), p).toBe('true');
    expect(container.querySelector(`#${fieldId('loss.alpha')}-unused`)!.textContent).toMatch(/no auxiliary term/);
    await choose(control<HTMLSelectElement>('model.name')!, 'ial-gca');
    expect(unused('auxHeadWeight')).toBeNull();
  });
});
