import type { Queryable } from './connection.js';

/**
 * A table whose rows are leased to one instance at a time: `leased_by` names the holder
 * (the store's origin), `until` is the column that says when the lease runs out. The outbox
 * (next_attempt_at, while 'sending'), the webhook cursors and the messages still in DATA
 * (lease_until) are leased alike (migration 007).
 */
export interface LeasedTable {
  readonly table: 'outbox' | 'webhook_cursors' | 'staged_messages';
  readonly key: 'id' | 'webhook' | 'key';
  readonly until: 'next_attempt_at' | 'lease_until';
}

export const OUTBOX_LEASES: LeasedTable = { table: 'outbox', key: 'id', until: 'next_attempt_at' };
export const WEBHOOK_LEASES: LeasedTable = {
  table: 'webhook_cursors',
  key: 'webhook',
  until: 'lease_until',
};
export const STAGING_LEASES: LeasedTable = {
  table: 'staged_messages',
  key: 'key',
  until: 'lease_until',
};

export interface LeaseTerms {
  /** The instance asking: only its own leases are renewed. */
  readonly holder: string;
  /** When the renewed leases run out (ms since the epoch). */
  readonly until: number;
}

/**
 * Extends the leases `holder` still has on these rows (a heartbeat while the work runs) and
 * returns their keys: a row missing from the answer was taken over after its lease ran out,
 * or finished, and the work's result must not overwrite it.
 */
export async function renewLeases<K extends number | string>(
  q: Queryable,
  target: LeasedTable,
  keys: readonly K[],
  terms: LeaseTerms,
): Promise<K[]> {
  if (keys.length === 0) return [];
  const type = target.key === 'webhook' ? 'text[]' : 'bigint[]';
  const rows = await q.unsafe<{ key: K }[]>(
    `UPDATE ${target.table} SET ${target.until} = $1
     WHERE ${target.key} = ANY($2::${type}) AND leased_by = $3
     RETURNING ${target.key} AS key`,
    [terms.until, keys as never, terms.holder],
  );
  return rows.map((row) => row.key);
}
