import { useEffect, useState } from 'preact/hooks';

/**
 * Client-side routes live in the hash (`#/message/42`, `#/search/from%3Aann/message/42`):
 * the server keeps /api/v1, /api/v2, /email and /messages for other tools' dialects,
 * and a hash never reaches the server at all.
 */
export interface Route {
  readonly query: string;
  readonly messageId: number | null;
}

export function parseRoute(hash: string): Route {
  const match = /^#\/(?:search\/([^/]*))?\/?(?:message\/(\d+))?$/.exec(hash);
  if (!match) return { query: '', messageId: null };
  return { query: safeDecode(match[1] ?? ''), messageId: match[2] ? Number(match[2]) : null };
}

export function routeHash(route: Route): string {
  const search = route.query ? `search/${encodeURIComponent(route.query)}` : '';
  const message = route.messageId ? `message/${route.messageId}` : '';
  return '#/' + [search, message].filter(Boolean).join('/');
}

const listeners = new Set<(route: Route) => void>();
let current = parseRoute(location.hash);

window.addEventListener('hashchange', () => {
  current = parseRoute(location.hash);
  for (const listener of listeners) listener(current);
});

/** Goes to a route; `replace` keeps typing in the search box out of the history. */
export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const hash = routeHash(route);
  if (hash === location.hash) return;
  if (options.replace) {
    history.replaceState(null, '', hash);
    current = parseRoute(hash);
    for (const listener of listeners) listener(current);
  } else {
    location.hash = hash;
  }
}

export function currentRoute(): Route {
  return current;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    listeners.add(setRoute);
    setRoute(current);
    return () => void listeners.delete(setRoute);
  }, []);
  return route;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
