import { cleanTags } from '../tags.js';
import type { MessageId } from '../types.js';
import type { Queryable, TransactionSql } from './connection.js';

/** Inside the insert's transaction: the tag rows of new messages. */
export async function insertTags(
  tx: TransactionSql,
  tagged: readonly { id: MessageId; tags: readonly string[] }[],
): Promise<void> {
  const rows = tagged.flatMap(({ id, tags }) => tags.map((tag) => ({ tag, message_id: id })));
  if (rows.length > 0) await tx`INSERT INTO message_tags ${tx(rows)}`;
}

/** Every tag in use with how many messages carry it, sorted without regard to case. */
export async function tagCounts(q: Queryable): Promise<Map<string, number>> {
  const rows = await q<{ tag: string; messages: number }[]>`
    SELECT tag, messages FROM tag_counts ORDER BY lower(tag), tag`;
  return new Map(rows.map((r) => [r.tag, r.messages]));
}

/** Ids of the messages that carry `tag` (any case). */
export async function taggedWith(q: Queryable, tag: string): Promise<MessageId[]> {
  const rows = await q<{ id: number }[]>`
    SELECT message_id AS id FROM message_tags WHERE lower(tag) = lower(${tag}) ORDER BY 1`;
  return rows.map((r) => r.id);
}

/** Replaces each message's tags with what `change` makes of them; returns the changed ids. */
export async function retag(
  tx: TransactionSql,
  ids: readonly MessageId[],
  change: (tags: string[]) => readonly string[],
): Promise<MessageId[]> {
  const rows = await tx<{ id: number; tags: string }[]>`
    SELECT id, tags FROM messages WHERE id = ANY(${ids as number[]}::bigint[]) ORDER BY id FOR UPDATE`;
  const changed: { id: MessageId; tags: string[] }[] = [];
  for (const row of rows) {
    const tags = cleanTags(change(JSON.parse(row.tags) as string[]));
    if (JSON.stringify(tags) !== row.tags) changed.push({ id: row.id, tags });
  }
  if (changed.length === 0) return [];
  const changedIds = changed.map((c) => c.id);
  await tx`DELETE FROM message_tags WHERE message_id = ANY(${changedIds}::bigint[])`;
  await insertTags(tx, changed);
  for (const { id, tags } of changed) {
    await tx`UPDATE messages SET tags = ${JSON.stringify(tags)} WHERE id = ${id}`;
  }
  return changedIds;
}
