import type Database from 'better-sqlite3';
import type { Address, HeaderField } from '../mail/types.js';
import type { MessageId } from './types.js';

/** Mailpit's bound on a tag's length; longer ones are cut. */
const MAX_TAG_LENGTH = 100;
/** A message carries at most this many tags; the rest of a long X-Tags header is dropped. */
export const MAX_TAGS_PER_MESSAGE = 50;

/**
 * Tags as they are kept: letters, digits, space and `_ . @ + -` (other characters are
 * dropped, as Mailpit does), trimmed, unique regardless of case, sorted.
 */
export function cleanTags(tags: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const tag of tags) {
    const clean = tag
      .replace(/[^\p{L}\p{N} _.@+-]/gu, '')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, MAX_TAG_LENGTH);
    if (clean && !seen.has(clean.toLowerCase())) seen.set(clean.toLowerCase(), clean);
  }
  return [...seen.values()]
    .sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' }))
    .slice(0, MAX_TAGS_PER_MESSAGE);
}

/** The tags a new message brings: its `X-Tags` header (comma-separated) and plus-addresses. */
export function tagsOfNewMessage(
  headers: readonly HeaderField[],
  recipients: readonly (Address | string)[],
): string[] {
  const fromHeader = headers
    .filter((h) => h.name.toLowerCase() === 'x-tags')
    .flatMap((h) => h.value.split(','));
  const fromPlus = recipients.flatMap((r) => {
    const address = typeof r === 'string' ? r : r.address;
    const plus = /^[^@+]+\+([^@]+)@/.exec(address);
    return plus ? [plus[1]!] : [];
  });
  return cleanTags([...fromHeader, ...fromPlus]);
}

/** The tag tables: `message_tags` (searched) and `messages.tags` (the summary's copy). */
export class TagTables {
  readonly #statements;

  constructor(db: Database.Database) {
    this.#statements = {
      insert: db.prepare('INSERT OR IGNORE INTO message_tags (tag, message_id) VALUES (?, ?)'),
      clear: db.prepare('DELETE FROM message_tags WHERE message_id = ?'),
      summary: db.prepare('UPDATE messages SET tags = ? WHERE id = ?'),
      current: db.prepare<[number], { tags: string }>('SELECT tags FROM messages WHERE id = ?'),
      withTag: db.prepare<[string], { id: number }>(
        'SELECT message_id AS id FROM message_tags WHERE tag = ?',
      ),
      all: db.prepare<[], { tag: string; messages: number }>(
        'SELECT tag, messages FROM tag_counts ORDER BY tag',
      ),
    };
  }

  /** Inside the insert's transaction: the tags table rows of a new message. */
  added(id: MessageId, tags: readonly string[]): void {
    for (const tag of tags) this.#statements.insert.run(tag, id);
  }

  /** Every tag in use with how many messages carry it, sorted without regard to case. */
  counts(): Map<string, number> {
    return new Map(this.#statements.all.all().map((r) => [r.tag, r.messages]));
  }

  /** Inside a write transaction: replaces each message's tags with what `change` makes of them. */
  retag(ids: readonly MessageId[], change: (tags: string[]) => readonly string[]): MessageId[] {
    const changed: MessageId[] = [];
    for (const id of ids) {
      const row = this.#statements.current.get(id);
      if (!row) continue;
      const tags = cleanTags(change(JSON.parse(row.tags) as string[]));
      if (JSON.stringify(tags) === row.tags) continue;
      this.#statements.clear.run(id);
      this.added(id, tags);
      this.#statements.summary.run(JSON.stringify(tags), id);
      changed.push(id);
    }
    return changed;
  }

  /** Ids of the messages that carry `tag` (any case). */
  tagged(tag: string): MessageId[] {
    return this.#statements.withTag.all(tag).map((r) => r.id);
  }
}
