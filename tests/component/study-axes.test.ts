/**
 * A study's axis editor in jsdom: the hint under an axis path says what the run-config schema takes there,
 * for any config path (not only the suggested ones), and nothing for a path the schema lacks.
 */
import { fireEvent, render } from '@testing-library/svelte';
import { tick } from 'svelte';
import { describe, expect, it } from 'vitest';
import { COMMON_PATHS } from '../../src-renderer/src/lib/study-form';
import StudyAxesHarness from './StudyAxesHarness.svelte';

describe('study axis paths, described from the schema', () => {
  it('shows the label and the values the schema takes as the path is typed', async () => {
    const { container } = render(StudyAxesHarness, { props: { initial: [{ key: 1, kind: 'grid', path: 'loss.alpha', values: '0.3, 0.7' }] } });
    const hint = () => container.querySelector('.axis .path .hint')?.textContent ?? null;
    expect(hint()).toBe('α (weight): number from 0 to 100');
    const path = container.querySelector<HTMLInputElement>('#axis-path-1')!;
    await fireEvent.input(path, { target: { value: 'model.size' } });
    await tick();
    expect(hint()).toBe('Frame size (px): whole number from 16 to 448');
    await fireEvent.input(path, { target: { value: 'optimizer.schedule' } });
    await tick();
    expect(hint()).toBe('LR schedule: {"kind": constant | exponential | step, ...}');
    await fireEvent.input(path, { target: { value: 'loss.alhpa' } });
    await tick();
    expect(hint()).toBeNull();
    // The suggestions list offers the common paths with the same words.
    const options = [...container.querySelectorAll('#study-axis-paths option')].map((o) => [o.getAttribute('value'), o.textContent]);
    expect(options).toEqual(COMMON_PATHS.map((p) => [p.path, p.hint]));
    expect(options.find(([v]) => v === 'loss.aux')?.[1]).toBe('Auxiliary term: none, ial, ial-star, ial-star-signed');
  });
});
