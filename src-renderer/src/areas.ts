/**
 * The product's areas, in navigation order. An area is listed here once it works, never before (no
 * placeholder views). `#/<id>/<params...>` routes to it.
 */
import type { Component } from 'svelte';
import SystemView from './views/SystemView.svelte';

export interface Area {
  id: string;
  label: string;
  component: Component<{ params: string[] }>;
}

export const areas: Area[] = [
  // Order: datasets, new-run, runs, compare, combine, clips, system.
  { id: 'system', label: 'System', component: SystemView },
];

export const defaultArea = 'system';
