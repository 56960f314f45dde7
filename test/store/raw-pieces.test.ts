import { describe, expect, it } from 'vitest';
import { PIECE_BYTES } from '../../src/store/raw-pieces.js';
import { ENGINES } from '../helpers/engines.js';
import { sluiceOnEngine } from '../helpers/sluice.js';
import { sendExact } from '../mail/smtp-send.js';

/** A message of about `bytes` with a base64 attachment of varied bytes and a dot-stuffed line. */
function message(bytes: number): Buffer {
  const binary = Buffer.alloc(Math.floor((bytes * 3) / 4));
  for (let i = 0; i < binary.length; i++) binary[i] = (i * 7919) % 251;
  const lines = binary.toString('base64').match(/.{1,76}/g)!;
  return Buffer.from(
    [
      'From: big@example.com',
      'To: inbox@example.com',
      `Subject: ${bytes} bytes`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      '.a line that SMTP dot-stuffs',
      '--b',
      'Content-Type: application/octet-stream; name="blob.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      ...lines,
      '--b--',
      '',
    ].join('\r\n'),
  );
}

const ENVELOPE = { from: 'big@example.com', to: ['inbox@example.com'] };

describe.each(ENGINES)('raw bytes of a large message ($name)', (engine) => {
  const running = sluiceOnEngine(engine);
  /**
   * A message's pieces: SQLite keeps those staged while DATA arrived under their staging key
   * (008); PostgreSQL moves them to the message id when it commits the message (007).
   */
  const pieces = (id: number) =>
    running.database.count(
      'message_raw_pieces',
      engine.name === 'sqlite'
        ? 'id = (SELECT coalesce(pieces_key, id) FROM message_bodies WHERE id = ?)'
        : 'id = ?',
      [id],
    );
  const raw = async (id: number) =>
    Buffer.from(await (await running.sluice.api(`/api/messages/${id}/raw`)).arrayBuffer());

  it.skipIf(engine.skip)(
    'are kept in pieces past a piece size, and given back byte for byte',
    async () => {
      const file = message(3 * 1024 * 1024);
      const { id } = await sendExact(running.sluice.smtpPort, ENVELOPE, file);
      expect(await pieces(id)).toBeGreaterThanOrEqual(Math.floor(file.length / PIECE_BYTES));
      expect((await raw(id)).equals(file)).toBe(true);
      const detail = await running.sluice.getJson(`/api/messages/${id}`);
      expect(detail.parts).toHaveLength(1);
      const part = await running.sluice.api(`/api/messages/${id}/parts/${detail.parts[0].partId}`);
      expect(part.status).toBe(200);
      expect((await part.arrayBuffer()).byteLength).toBe(Math.floor((3 * 1024 * 1024 * 3) / 4));
    },
  );

  it.skipIf(engine.skip)('stay in one row up to a piece size', async () => {
    const file = message(PIECE_BYTES / 2);
    const { id } = await sendExact(running.sluice.smtpPort, ENVELOPE, file);
    expect(await pieces(id)).toBe(0);
    expect((await raw(id)).equals(file)).toBe(true);
  });

  it.skipIf(engine.skip)('go with the message when it is deleted', async () => {
    const { id } = await sendExact(running.sluice.smtpPort, ENVELOPE, message(PIECE_BYTES * 3));
    const before = await running.database.count('message_raw_pieces');
    const own = await pieces(id);
    expect(own).toBeGreaterThan(0);
    expect((await running.sluice.api(`/api/messages/${id}`, { method: 'DELETE' })).ok).toBe(true);
    expect(await running.database.count('message_raw_pieces')).toBe(before - own);
  });
});
