// Set-up for the 'component' vitest project: unmount whatever a test rendered, so each test starts
// from an empty document.body.
import { cleanup } from '@testing-library/svelte';
import { afterEach } from 'vitest';

afterEach(() => {
  cleanup();
});
