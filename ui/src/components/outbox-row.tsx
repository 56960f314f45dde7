import { useEffect, useState } from 'preact/hooks';
import { getMessage } from '../api.js';
import { fullTime, mediumTime } from '../lib/time.js';
import { cancelEntry, retryEntry, type OutboxEntry, type OutboxState } from '../relay/relay-api.js';
import { routeHash } from '../route.js';
import { ActedBy, StateBadge, untilText } from './relay-bits.js';

/** Held entries are approved or rejected instead; sending and final ones take no action. */
const RETRYABLE: readonly OutboxState[] = ['queued', 'failed'];

/** Subjects of messages not in the loaded list, fetched once per page load. */
const subjects = new Map<number, Promise<string>>();

export interface OutboxRowProps {
  readonly entry: OutboxEntry;
  readonly now: number;
  readonly subject: string | undefined;
  readonly selected: boolean;
  /** Why this user may not act on entries (a reader), or null. */
  readonly refusal: string | null;
  readonly onToggle: () => void;
  readonly onDecide: (approve: boolean) => void;
  readonly onAct: (work: Promise<unknown>, done: string) => void;
}

/** One recipient of one message in the outbox, with what can be done to it. */
export function OutboxRow(props: OutboxRowProps) {
  const { entry, now, subject, selected, refusal, onToggle, onDecide, onAct } = props;
  const action = { disabled: refusal !== null, title: refusal ?? undefined };
  return (
    <tr data-outbox-id={entry.id} data-state={entry.state}>
      <td class="select">
        {entry.state === 'held' && (
          <input
            type="checkbox"
            aria-label={`Select message ${entry.messageId}`}
            checked={selected}
            onChange={onToggle}
            {...action}
          />
        )}
      </td>
      <td class="message">
        <a href={routeHash({ query: '', messageId: entry.messageId })}>
          <Subject id={entry.messageId} known={subject} />
        </a>
        <div class="muted small" title={fullTime(entry.createdAt)}>
          #{entry.messageId} · {mediumTime(entry.createdAt)} · {entry.reason}
          <ActedBy entry={entry} />
        </div>
      </td>
      <td data-label="Recipient">
        <code>{entry.recipient}</code>
        {entry.originalRecipient !== entry.recipient && (
          <div class="muted small">
            for <code>{entry.originalRecipient}</code>
          </div>
        )}
      </td>
      <td data-label="Upstream">{entry.upstream}</td>
      <td data-label="State">
        <StateBadge state={entry.state} />
      </td>
      <td class="num" data-label="Attempts">
        {entry.attempts}
      </td>
      <td
        data-label="Next try"
        title={entry.nextAttemptAt ? fullTime(entry.nextAttemptAt) : undefined}
      >
        {entry.nextAttemptAt && entry.state === 'queued' ? untilText(entry.nextAttemptAt, now) : ''}
      </td>
      <td class="reply" data-label="Last reply">
        {entry.lastReply ?? ''}
      </td>
      <td class="actions">
        {entry.state === 'held' && (
          <>
            <button type="button" class="button" onClick={() => onDecide(true)} {...action}>
              Approve
            </button>
            <button type="button" class="button" onClick={() => onDecide(false)} {...action}>
              Reject
            </button>
          </>
        )}
        {RETRYABLE.includes(entry.state) && (
          <button
            type="button"
            class="button"
            onClick={() => onAct(retryEntry(entry.id), 'Queued to send now')}
            {...action}
          >
            Retry now
          </button>
        )}
        {RETRYABLE.includes(entry.state) && (
          <button
            type="button"
            class="button"
            onClick={() => onAct(cancelEntry(entry.id), 'Cancelled')}
            {...action}
          >
            Cancel
          </button>
        )}
      </td>
    </tr>
  );
}

function Subject({ id, known }: { id: number; known: string | undefined }) {
  const [subject, setSubject] = useState(known);
  useEffect(() => {
    if (known !== undefined) return setSubject(known);
    let current = true;
    if (!subjects.has(id))
      subjects.set(
        id,
        getMessage(id).then(
          (m) => m.subject || '(no subject)',
          () => `message ${id} (deleted)`,
        ),
      );
    void subjects.get(id)!.then((text) => current && setSubject(text));
    return () => {
      current = false;
    };
  }, [id, known]);
  return <span class="outbox-subject">{subject ?? `message ${id}`}</span>;
}
