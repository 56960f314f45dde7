import { useState } from 'preact/hooks';
import { useReleaseRefusal } from '../../relay/hooks.js';
import { approveMessages, rejectMessages, type OutboxEntry } from '../../relay/relay-api.js';

/**
 * Approve or reject a message that a hold rule keeps back, where its rules and history are
 * shown (the Outbox has the same buttons for many messages at once). A reader sees them
 * disabled, with the reason.
 */
export function HeldActions(props: {
  id: number;
  held: readonly OutboxEntry[];
  onDecided: () => void;
}) {
  const { id, held, onDecided } = props;
  const refusal = useReleaseRefusal();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  const decide = (approve: boolean) => {
    setBusy(true);
    setResult(null);
    (approve ? approveMessages([id]) : rejectMessages([id])).then(
      ({ entries }) => {
        setBusy(false);
        const to = entries.map((e) => e.recipient).join(', ');
        setResult({
          ok: true,
          text: approve ? `Approved: queued for ${to}` : `Rejected for ${to}`,
        });
        onDecided();
      },
      (error: Error) => {
        setBusy(false);
        setResult({ ok: false, text: error.message });
      },
    );
  };

  if (held.length === 0 && !result) return null;
  const rules = [...new Set(held.map((e) => e.reason))].join('; ');
  return (
    <section class="relay-held" aria-label="Held for approval">
      <h3>Held for approval</h3>
      {held.length > 0 && (
        <>
          <p class="small">
            {held.map((e) => e.recipient).join(', ')} {held.length === 1 ? 'waits' : 'wait'} for a
            person: <span class="muted">{rules}</span>
          </p>
          <div class="relay-held-actions">
            <button
              type="button"
              class="button"
              data-decide="approve"
              disabled={busy || refusal !== null}
              title={refusal ?? 'Send it upstream to these recipients'}
              onClick={() => decide(true)}
            >
              Approve
            </button>
            <button
              type="button"
              class="button"
              data-decide="reject"
              disabled={busy || refusal !== null}
              title={refusal ?? 'Keep it captured; nothing is sent'}
              onClick={() => decide(false)}
            >
              Reject
            </button>
          </div>
          {refusal && <p class="muted small">{refusal}.</p>}
        </>
      )}
      {result && (
        <p class={result.ok ? 'muted small' : 'error-text small'} role="status">
          {result.text}
        </p>
      )}
    </section>
  );
}
