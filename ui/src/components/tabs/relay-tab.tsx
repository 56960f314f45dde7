import '../../styles/outbox.css';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { fullTime, mediumTime } from '../../lib/time.js';
import { useOutboxEvents } from '../../relay/hooks.js';
import { explainRelay, type RelayExplanation } from '../../relay/relay-api.js';
import { ActedBy, StateBadge } from '../relay-bits.js';
import { HeldActions } from './held-actions.js';
import { ReleaseForm } from './release-form.js';

/** What the relay rules decide for this message and why, what was sent, and manual release. */
export function RelayTab({ id }: { id: number }) {
  const [explanation, setExplanation] = useState<RelayExplanation | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(() => {
    explainRelay(id).then(
      (next) => {
        setExplanation(next);
        setError(null);
      },
      (failure: Error) => setError(failure.message),
    );
  }, [id]);
  useEffect(refresh, [refresh]);
  useOutboxEvents(refresh);

  if (error && !explanation) return <p class="error-text relay-tab">{error}</p>;
  if (!explanation) return <div class="relay-tab" aria-busy="true" />;
  const { decisions, outbox } = explanation;
  return (
    <div class="scroll">
      <div class="relay-tab">
        <section>
          <h3>Rules</h3>
          <ul class="rcpt-list relay-decisions">
            {decisions.map((d) => (
              <li key={d.recipient} data-recipient={d.recipient} data-action={d.action}>
                <code>{d.recipient}</code> <span class="badge">{d.action}</span>{' '}
                <span class="relay-rule">
                  {d.rule ? (
                    <>
                      rule <strong>{d.rule}</strong>
                    </>
                  ) : (
                    <span class="muted">no rule matched</span>
                  )}
                </span>
                <span class="muted small"> — {d.reason}</span>
                {d.sendTo !== d.recipient && (
                  <span class="small">
                    {' '}
                    → sent to <code>{d.sendTo}</code>
                  </span>
                )}
              </li>
            ))}
          </ul>
        </section>
        <HeldActions
          key={id}
          id={id}
          held={outbox.entries.filter((e) => e.state === 'held')}
          onDecided={refresh}
        />
        <section>
          <h3>Outbox</h3>
          {outbox.entries.length === 0 ? (
            <p class="muted small">Not released: nothing has left or is waiting to leave.</p>
          ) : (
            <ul class="rcpt-list relay-history">
              {outbox.entries.map((entry) => (
                <li key={entry.id} data-outbox-id={entry.id} data-state={entry.state}>
                  <code>{entry.recipient}</code> via {entry.upstream}{' '}
                  <StateBadge state={entry.state} />{' '}
                  <span class="muted small">
                    {entry.reason} · {entry.attempts} attempt{entry.attempts === 1 ? '' : 's'}
                    <ActedBy entry={entry} />
                  </span>
                  <ul class="relay-attempts">
                    {outbox.attempts
                      .filter((a) => a.outboxId === entry.id)
                      .map((a) => (
                        <li key={a.at + a.reply} class="small">
                          <span title={fullTime(a.at)}>{mediumTime(a.at)}</span>{' '}
                          <span class={a.outcome === 'sent' ? 'badge ok' : 'badge'}>
                            {a.outcome}
                          </span>{' '}
                          <span class="relay-reply">{a.reply}</span>
                        </li>
                      ))}
                  </ul>
                </li>
              ))}
            </ul>
          )}
        </section>
        {explanation.mode === 'on' && <ReleaseForm id={id} onReleased={refresh} />}
      </div>
    </div>
  );
}
