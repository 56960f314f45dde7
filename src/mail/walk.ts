import { MailParser, type Attachment, type ParsedMail } from 'mailparser';

/**
 * mailparser's simpleParser, except that an attachment's content is kept only when `keep`
 * asks for it; the others are counted and dropped as they stream past. Ingest keeps none
 * (parts are read back from the raw bytes on request), so a 50 MB attachment costs its
 * raw bytes once, not again decoded.
 */
export function walkMessage(
  raw: Buffer,
  options: ConstructorParameters<typeof MailParser>[0],
  keep: (index: number, attachment: Attachment) => boolean,
): Promise<ParsedMail> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser(options);
    const mail = { attachments: [] as Attachment[] } as unknown as ParsedMail &
      Record<string, unknown>;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      reject(error);
    };

    parser.on('error', fail);
    parser.on('headers', (headers) => {
      mail.headers = headers;
      mail.headerLines = (
        parser as unknown as { headerLines: ParsedMail['headerLines'] }
      ).headerLines;
    });

    let reading = false;
    const read = (): void => {
      reading = true;
      const data = parser.read();
      if (data === null) {
        reading = false;
        return;
      }
      if (data.type === 'text') {
        for (const key of ['text', 'html', 'textAsHtml'] as const) {
          if (key in data) (mail as Record<string, unknown>)[key] = data[key];
        }
        return read();
      }
      const attachment = data as unknown as Attachment & {
        content: NodeJS.ReadableStream;
        release(): void;
      };
      const wanted = keep(mail.attachments.length, attachment);
      mail.attachments.push(attachment);
      const chunks: Buffer[] = [];
      let size = 0;
      attachment.content.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (wanted) chunks.push(chunk);
      });
      attachment.content.on('end', () => {
        Object.assign(attachment, {
          content: wanted ? Buffer.concat(chunks, size) : Buffer.alloc(0),
          size,
        });
        attachment.release();
        read();
      });
    };
    parser.on('readable', () => {
      if (!reading) read();
    });

    parser.on('end', () => {
      const headers = mail.headers;
      for (const key of [
        'subject',
        'date',
        'to',
        'from',
        'cc',
        'bcc',
        'message-id',
        'in-reply-to',
        'reply-to',
      ]) {
        if (headers?.has(key))
          mail[key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = headers.get(key);
      }
      if (!settled) {
        settled = true;
        resolve(mail);
      }
    });

    parser.end(raw);
  });
}
