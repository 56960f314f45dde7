import { useEffect, useState } from 'preact/hooks';
import { serverInfo } from '../api.js';
import { onOutboxChange } from '../live.js';
import { isRelayOn } from './relay-api.js';

/** Whether the relay is on; false until known, so relay UI never flashes when it is off. */
export function useRelayOn(): boolean {
  const [on, setOn] = useState(false);
  useEffect(() => {
    let current = true;
    void isRelayOn().then((value) => current && setOn(value));
    return () => {
      current = false;
    };
  }, []);
  return on;
}

/**
 * Why this user may not let mail leave or stop it (approve, reject, retry, cancel), or null
 * when they may, or while that is not known yet (the server refuses and says why anyway).
 */
export function useReleaseRefusal(): string | null {
  const [refusal, setRefusal] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    serverInfo().then(
      ({ principal }) => {
        if (current && principal.role === 'reader')
          setRefusal(
            `${principal.name} is a reader: this needs the releaser role (--http-releasers)`,
          );
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, []);
  return refusal;
}

const REFRESH_DEBOUNCE_MS = 150;

/**
 * Calls `refresh` after outbox events, at most once per burst: a worker sending a batch
 * emits several events, and refetching the visible page once is enough.
 */
export function useOutboxEvents(refresh: () => void): void {
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = onOutboxChange(() => {
      clearTimeout(timer);
      timer = setTimeout(refresh, REFRESH_DEBOUNCE_MS);
    });
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, [refresh]);
}

/** The outbox view lives at #/outbox, outside the mailbox routes (see route.ts). */
export const OUTBOX_HASH = '#/outbox';

export function useOutboxRoute(): boolean {
  const [, setChanges] = useState(0);
  useEffect(() => {
    const update = () => setChanges((n) => n + 1);
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  // navigate({replace}) changes the hash without an event, but App re-renders then anyway.
  return location.hash === OUTBOX_HASH;
}
