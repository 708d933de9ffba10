/**
 * Hash routing (#/system, #/runs/<id>): works the same under app:// in Electron and http:// in web mode,
 * and needs no server-side fallback.
 */
export interface Route {
  view: string;
  params: string[];
}

function parse(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  return { view: parts[0] ?? '', params: parts.slice(1) };
}

export const route = $state<Route>(parse(typeof location !== 'undefined' ? location.hash : ''));

if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', () => {
    const next = parse(location.hash);
    route.view = next.view;
    route.params = next.params;
  });
}

export function href(view: string, ...params: string[]): string {
  return '#/' + [view, ...params].map(encodeURIComponent).join('/');
}
