import type { OutboxEntry, OutboxState } from '../relay/relay-api.js';

/** An outbox state as a coloured badge; the colour comes from data-state in outbox.css. */
export function StateBadge({ state }: { state: OutboxState }) {
  return (
    <span class="badge outbox-state" data-state={state}>
      {state}
    </span>
  );
}

/** "in 40s", "in 3m", "in 2h", or "due" for a time that has come. */
export function untilText(iso: string, now: number): string {
  const wait = Date.parse(iso) - now;
  if (Number.isNaN(wait)) return '';
  if (wait <= 1000) return 'due';
  if (wait < 60_000) return `in ${Math.round(wait / 1000)}s`;
  if (wait < 3_600_000) return `in ${Math.round(wait / 60_000)}m`;
  return `in ${Math.round(wait / 3_600_000)}h`;
}

/** Who let the entry go or stopped it by hand ("released by alice"); nothing when rules did. */
export function ActedBy({ entry }: { entry: OutboxEntry }) {
  const text = [
    entry.releasedBy && `released by ${entry.releasedBy}`,
    entry.cancelledBy && `cancelled by ${entry.cancelledBy}`,
  ]
    .filter(Boolean)
    .join(', ');
  return text ? <span class="acted-by"> · {text}</span> : null;
}
