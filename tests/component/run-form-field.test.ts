// Smoke test for the component-test set-up: RunFormField mounted in jsdom with a real <input> as its
// child snippet (no mocks), checked the way a person with a screen reader meets it.
import { createRawSnippet } from 'svelte';
import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import RunFormField from '../../src-renderer/src/components/RunFormField.svelte';

function inputSnippet(id: string) {
  return createRawSnippet(() => ({ render: () => `<input id="${id}" type="text" />` }));
}

describe('RunFormField', () => {
  it('ties the label to the child control and shows the hint', () => {
    const { container } = render(RunFormField, { props: { id: 'lr', label: 'Learning rate', hint: 'SGD step size', children: inputSnippet('lr') } });

    const input = screen.getByLabelText('Learning rate');
    expect(input.tagName).toBe('INPUT');
    expect(input.id).toBe('lr');
    expect(container.querySelector('#lr-hint')?.textContent).toBe('SGD step size');
    expect(container.querySelector('#lr-error')).toBeNull();
    expect(container.querySelector('[data-field="lr"]')?.classList.contains('invalid')).toBe(false);
  });

  it('renders the error as a paragraph with id `${id}-error`', () => {
    const { container } = render(RunFormField, {
      props: { id: 'epochs', label: 'Epochs', error: 'Must be at least 1', children: inputSnippet('epochs') },
    });

    const error = container.querySelector('#epochs-error');
    expect(error?.tagName).toBe('P');
    expect(error?.textContent).toBe('Must be at least 1');
    expect(screen.getByText('Must be at least 1')).toBe(error);
    expect(container.querySelector('[data-field="epochs"]')?.classList.contains('invalid')).toBe(true);
  });

  it('an unused field shows the unused note instead of the hint', () => {
    const { container } = render(RunFormField, {
      props: { id: 'alpha', label: 'Alpha', hint: 'Weight of the auxiliary term', unused: 'unused: no auxiliary term', children: inputSnippet('alpha') },
    });

    expect(screen.queryByText('Weight of the auxiliary term')).toBeNull();
    expect(container.querySelector('#alpha-hint')).toBeNull();
    const note = container.querySelector('#alpha-unused');
    expect(note?.tagName).toBe('P');
    expect(note?.textContent).toBe('unused: no auxiliary term');
    expect(container.querySelector('[data-field="alpha"]')?.getAttribute('data-unused')).toBe('true');
    // The control is still there and still labelled.
    expect(screen.getByLabelText('Alpha').id).toBe('alpha');
  });
});
