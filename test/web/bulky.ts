import { parseMessage } from '../../src/mail/parse.js';
import type { NewMessage } from '../../src/store/types.js';

export const CLIENT = { address: '127.0.0.1', helo: 'test', authUser: null, tls: false };

/** A message whose summary (and so its stored event) is about 100 KB: its subject. */
export async function bulky(n: number): Promise<NewMessage> {
  const subject = `Bulky ${n} ` + 'word '.repeat(20_000);
  const raw = Buffer.from(
    `From: app@example.com\r\nTo: a@example.com\r\nSubject: ${subject.match(/.{1,900}/g)!.join('\r\n ')}\r\n\r\nx\r\n`,
  );
  return {
    raw,
    parsed: await parseMessage(raw),
    envelope: { mailFrom: 'app@example.com', rcptTo: ['a@example.com'] },
    client: CLIENT,
  };
}
