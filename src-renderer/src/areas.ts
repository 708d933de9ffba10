/**
 * The product's areas, in navigation order. An area is listed here once it works, never before (no
 * placeholder views). `#/<id>/<params...>` routes to it.
 */
import type { Component } from 'svelte';
import DatasetsView from './views/DatasetsView.svelte';
import NewRunView from './views/NewRunView.svelte';
import SystemView from './views/SystemView.svelte';
import RunsView from './views/RunsView.svelte';
import CompareView from './views/CompareView.svelte';
import StudiesView from './views/StudiesView.svelte';
import CombineView from './views/CombineView.svelte';
import ClipsView from './views/ClipsView.svelte';

export interface Area {
  id: string;
  label: string;
  component: Component<{ params: string[] }>;
}

export const areas: Area[] = [
  // Order: datasets, new-run, runs, studies, compare, combine, clips, system.
  { id: 'datasets', label: 'Datasets', component: DatasetsView },
  { id: 'new-run', label: 'New run', component: NewRunView },
  { id: 'runs', label: 'Runs', component: RunsView },
  { id: 'studies', label: 'Studies', component: StudiesView },
  { id: 'compare', label: 'Compare', component: CompareView },
  { id: 'combine', label: 'Combine', component: CombineView },
  { id: 'clips', label: 'Clips', component: ClipsView },
  { id: 'system', label: 'System', component: SystemView },
];

export const defaultArea = 'system';
