import '../styles/outbox.css';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { useOutboxEvents, useReleaseRefusal } from '../relay/hooks.js';
import {
  approveMessages,
  listOutbox,
  OUTBOX_STATES,
  rejectMessages,
  type OutboxEntry,
  type OutboxState,
} from '../relay/relay-api.js';
import { OutboxRow } from './outbox-row.js';

const PAGE = 200;

export interface OutboxViewProps {
  readonly now: number;
  /** The subject when the mailbox list has the message loaded. */
  readonly subjectOf: (id: number) => string | undefined;
  readonly onNotice: (text: string) => void;
}

type Listing = { entries: readonly OutboxEntry[]; more: boolean; error: string | null };

/** Every message on its way upstream, one row per recipient, live. */
export function OutboxView({ now, subjectOf, onNotice }: OutboxViewProps) {
  const [filter, setFilter] = useState<OutboxState | null>(null);
  const [listing, setListing] = useState<Listing | null>(null);
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const refusal = useReleaseRefusal();

  const refresh = useCallback(() => {
    listOutbox(filter ? [filter] : [], PAGE).then(
      (page) => setListing({ entries: page.entries, more: page.nextCursor !== null, error: null }),
      (error: Error) =>
        setListing((old) => ({ entries: [], more: false, ...old, error: error.message })),
    );
  }, [filter]);
  useEffect(refresh, [refresh]);
  useOutboxEvents(refresh);

  const act = (work: Promise<unknown>, done: string) => {
    work.then(
      () => {
        onNotice(done);
        refresh();
      },
      (error: Error) => onNotice(`Failed: ${error.message}`),
    );
  };
  const decide = (approve: boolean, ids: number[]) => {
    setSelected(new Set());
    const n = `${ids.length} message${ids.length === 1 ? '' : 's'}`;
    if (approve) act(approveMessages(ids), `Approved ${n}`);
    else act(rejectMessages(ids), `Rejected ${n}`);
  };
  const toggle = (messageId: number) => {
    const next = new Set(selected);
    if (!next.delete(messageId)) next.add(messageId);
    setSelected(next);
  };

  const entries = listing?.entries ?? [];
  return (
    <section class="outbox" aria-label="Outbox">
      <header class="outbox-head">
        <h2>Outbox</h2>
        <nav class="outbox-filter" aria-label="Filter by state">
          {[null, ...OUTBOX_STATES].map((state) => (
            <button
              key={state ?? 'all'}
              type="button"
              class={`chip${filter === state ? ' active' : ''}`}
              data-filter={state ?? 'all'}
              aria-pressed={filter === state}
              onClick={() => setFilter(state)}
            >
              {state ?? 'all'}
            </button>
          ))}
        </nav>
        {selected.size > 0 && (
          <div class="outbox-bulk">
            <span class="muted small">{selected.size} selected</span>
            <button type="button" class="button" onClick={() => decide(true, [...selected])}>
              Approve selected
            </button>
            <button type="button" class="button" onClick={() => decide(false, [...selected])}>
              Reject selected
            </button>
          </div>
        )}
      </header>
      {refusal && <p class="muted small outbox-note">{refusal}.</p>}
      {listing?.error && <p class="error-text outbox-note">{listing.error}</p>}
      {listing && entries.length === 0 && !listing.error && (
        <p class="muted outbox-note">
          {filter ? `Nothing ${filter}.` : 'Nothing has been released or held yet.'}
        </p>
      )}
      {entries.length > 0 && (
        <div class="scroll">
          <table class="outbox-table">
            <thead>
              <tr>
                <th aria-label="Select" />
                <th>Message</th>
                <th>Recipient</th>
                <th>Upstream</th>
                <th>State</th>
                <th>Attempts</th>
                <th>Next try</th>
                <th>Last reply</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <OutboxRow
                  key={entry.id}
                  entry={entry}
                  now={now}
                  subject={subjectOf(entry.messageId)}
                  selected={selected.has(entry.messageId)}
                  refusal={refusal}
                  onToggle={() => toggle(entry.messageId)}
                  onDecide={(approve) => decide(approve, [entry.messageId])}
                  onAct={act}
                />
              ))}
            </tbody>
          </table>
          {listing?.more && (
            <p class="muted small outbox-note">Showing the newest {PAGE} entries.</p>
          )}
        </div>
      )}
    </section>
  );
}
