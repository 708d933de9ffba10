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

/**
 * The view the address names now. `route` follows the address through the `hashchange` event, which the
 * browser dispatches a moment after the address changes; a decision taken after an await (the start
 * area) must read the address itself, or it can overrule a link followed in between.
 */
export function currentView(): string {
  return typeof location === 'undefined' ? route.view : parse(location.hash).view;
}

export function href(view: string, ...params: string[]): string {
  return '#/' + [view, ...params].map(encodeURIComponent).join('/');
}
