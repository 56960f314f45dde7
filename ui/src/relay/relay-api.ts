import type { OutboxEntry, OutboxPage, OutboxState } from '../../../src/store/types.js';
import type { RelayExplanation } from '../../../src/relay/types.js';
import { apiUrl, getInfo, request } from '../api.js';

export type { OutboxAttempt, OutboxEntry, OutboxState } from '../../../src/store/types.js';
export type { Decision, RelayExplanation } from '../../../src/relay/types.js';

// The server's list, so that a new state cannot be missing here (type imports only above).
export { OUTBOX_STATES } from '../../../src/store/types.js';

export function listOutbox(states: readonly OutboxState[], limit = 100): Promise<OutboxPage> {
  const params = new URLSearchParams({ limit: String(limit) });
  if (states.length > 0) params.set('state', states.join(','));
  return request('GET', apiUrl(`relay/outbox?${params}`));
}

export const explainRelay = (id: number) =>
  request<RelayExplanation>('GET', apiUrl(`messages/${id}/relay`));

/** To the message's envelope recipients when `to` is absent. */
export const releaseMessage = (id: number, to?: string[]) =>
  request<{ entries: OutboxEntry[] }>('POST', apiUrl(`messages/${id}/release`), to ? { to } : {});

export const approveMessages = (ids: number[]) =>
  request<{ entries: OutboxEntry[] }>('POST', apiUrl('relay/approve'), { ids });
export const rejectMessages = (ids: number[]) =>
  request<{ entries: OutboxEntry[] }>('POST', apiUrl('relay/reject'), { ids });

// No parameters, so no body: the API takes a write without a body and a Content-Type.
export const retryEntry = (id: number) =>
  request<OutboxEntry>('POST', apiUrl(`relay/outbox/${id}/retry`));
export const cancelEntry = (id: number) =>
  request<OutboxEntry>('POST', apiUrl(`relay/outbox/${id}/cancel`));

let relayOn: Promise<boolean> | null = null;

/** Whether the relay is configured, asked once per page load (turning it on needs a restart). */
export function isRelayOn(): Promise<boolean> {
  relayOn ??= getInfo().then(
    (info) => info.relay.mode === 'on',
    () => {
      // Offline: ask again next time rather than remember "off".
      relayOn = null;
      return false;
    },
  );
  return relayOn;
}
