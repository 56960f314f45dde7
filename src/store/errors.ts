import type { MessageId } from './types.js';

export class MessageNotFoundError extends Error {
  override name = 'MessageNotFoundError';
  constructor(readonly id: MessageId) {
    super(`no message with id ${id}`);
  }
}

export class OutboxEntryNotFoundError extends Error {
  override name = 'OutboxEntryNotFoundError';
  constructor(readonly id: number) {
    super(`no outbox entry with id ${id}`);
  }
}

/** The disk or the database's size limit is full; nothing was written. */
export class StorageFullError extends Error {
  override name = 'StorageFullError';
}

/** The database could not take the write for another reason (I/O error, locked). */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
}

/** The database file was written by a newer Sluice; its schema is unknown to this one. */
export class NewerDatabaseError extends Error {
  override name = 'NewerDatabaseError';
}
