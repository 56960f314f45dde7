import { mkdtempSync, rmSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import Database from 'better-sqlite3';
import type { NewMessage } from '../../src/store/types.js';

type StoreModule = typeof import('../../src/store/sqlite-store.js');
type RowsModule = typeof import('../../src/store/rows.js');

const DIST = new URL('../../dist/', import.meta.url);
/** Messages per transaction: large enough that commits stop dominating. */
const BATCH = 500;

/**
 * The benchmark's fast path for a million messages: the same rows `SqliteStore.addMessage`
 * writes, many messages per transaction instead of one. The store's per-message commit (right
 * for SMTP, where 250 waits for it) bounds seeding at a few hundred messages a second.
 *
 * This mirrors the store's INSERTs, so it could drift from them; `verifyBatchWriter` writes
 * the same messages through both and compares every table, and seeding refuses to use the
 * fast path when they differ. The proper home for this is a batched `addMessages` in the store.
 */
export class BatchWriter {
  readonly #db: Database.Database;
  readonly #rows: RowsModule;
  readonly #pending: NewMessage[] = [];
  readonly #insert;

  private constructor(path: string, rows: RowsModule) {
    this.#rows = rows;
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#insert = {
      message: this.#db.prepare(`
        INSERT INTO messages (received_at, mail_from, rcpt_to, from_addr, to_addrs, cc_addrs, bcc_addrs,
          subject, snippet, size, attachment_count, message_id, date, parse_error)
        VALUES (@receivedAt, @mailFrom, @rcptTo, @from, @to, @cc, @bcc,
          @subject, @snippet, @size, @attachmentCount, @messageId, @date, @parseError)`),
      body: this.#db.prepare('INSERT INTO message_bodies (id, raw, detail) VALUES (?, ?, ?)'),
      search: this.#db.prepare(
        'INSERT INTO message_search (rowid, subject, sender, recipients, cc, body, filenames) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  /** Opens the database, creating its schema through the real store first. */
  static async open(path: string): Promise<BatchWriter> {
    const { SqliteStore } = (await import(
      new URL('store/sqlite-store.js', DIST).href
    )) as StoreModule;
    await new SqliteStore({ path, maxMessages: 0, maxAgeMs: 0 }).close();
    const rows = (await import(new URL('store/rows.js', DIST).href)) as RowsModule;
    return new BatchWriter(path, rows);
  }

  add(message: NewMessage): void {
    this.#pending.push(message);
    if (this.#pending.length >= BATCH) this.flush();
  }

  flush(): void {
    const batch = this.#pending.splice(0);
    this.#db.transaction(() => batch.forEach((m) => this.#write(m))).immediate();
  }

  close(): void {
    this.flush();
    this.#db.close();
  }

  #write(message: NewMessage): void {
    const { parsed, envelope, client, raw } = message;
    const bcc = this.#rows.hiddenRecipients(envelope.rcptTo, parsed);
    const result = this.#insert.message.run({
      receivedAt: (message.receivedAt ?? new Date()).getTime(),
      mailFrom: envelope.mailFrom,
      rcptTo: JSON.stringify(envelope.rcptTo),
      from: parsed.from ? JSON.stringify(parsed.from) : null,
      to: JSON.stringify(parsed.to),
      cc: JSON.stringify(parsed.cc),
      bcc: JSON.stringify(bcc),
      subject: parsed.subject,
      snippet: parsed.snippet,
      size: raw.length,
      attachmentCount: parsed.parts.filter((p) => !p.related).length,
      messageId: parsed.messageId,
      date: parsed.date,
      parseError: parsed.parseError === null ? 0 : 1,
    });
    const id = Number(result.lastInsertRowid);
    const detail = {
      replyTo: parsed.replyTo,
      headers: parsed.headers,
      text: parsed.text,
      html: parsed.html,
      parts: parsed.parts,
      client,
      parseErrorMessage: parsed.parseError,
    };
    this.#insert.body.run(id, raw, JSON.stringify(detail));
    this.#insert.search.run(
      id,
      parsed.subject,
      [addressText(parsed.from ? [parsed.from] : []), envelope.mailFrom].join(' '),
      [addressText(parsed.to), addressText(bcc)].join(' '),
      addressText(parsed.cc),
      parsed.searchText,
      parsed.parts.map((p) => p.filename ?? '').join(' '),
    );
  }
}

function addressText(addresses: readonly { name: string; address: string }[]): string {
  return addresses.map((a) => `${a.name} ${a.address}`.trim()).join(' ');
}

const TABLES = [
  'SELECT * FROM messages ORDER BY id',
  'SELECT * FROM message_bodies ORDER BY id',
  'SELECT * FROM message_counts',
  'SELECT rowid, * FROM message_search ORDER BY rowid',
];

function dump(path: string): unknown[][] {
  const db = new Database(path, { readonly: true });
  try {
    return TABLES.map((sql) => db.prepare(sql).all());
  } finally {
    db.close();
  }
}

/** Writes `messages` through the store and through the batch writer; throws if any table differs. */
export async function verifyBatchWriter(messages: readonly NewMessage[]): Promise<void> {
  const { SqliteStore } = (await import(
    new URL('store/sqlite-store.js', DIST).href
  )) as StoreModule;
  const dir = mkdtempSync('/tmp/sluice-bench-verify-');
  try {
    const store = new SqliteStore({ path: `${dir}/store.db`, maxMessages: 0, maxAgeMs: 0 });
    for (const message of messages) await store.addMessage(message);
    await store.close();
    const writer = await BatchWriter.open(`${dir}/batch.db`);
    for (const message of messages) writer.add(message);
    writer.close();
    const expected = dump(`${dir}/store.db`);
    const actual = dump(`${dir}/batch.db`);
    TABLES.forEach((sql, i) => {
      if (!isDeepStrictEqual(expected[i], actual[i])) {
        throw new Error(`the batched seeding path writes different rows than the store: ${sql}`);
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
