import type { MessageDetail } from '../../api.js';
import { formatSize } from '../../lib/format.js';
import { fullTime } from '../../lib/time.js';

/** What the SMTP session said, which is what actually decided where the mail went. */
export function EnvelopeTab({ message }: { message: MessageDetail }) {
  const visible = new Set(
    [...message.to, ...message.cc].map((a) => a.address.toLowerCase()).filter(Boolean),
  );
  const { client } = message;
  return (
    <div class="scroll">
      <dl class="envelope">
        <dt>MAIL FROM</dt>
        <dd>
          <code>
            {message.envelope.mailFrom ? `<${message.envelope.mailFrom}>` : '<> (null sender)'}
          </code>
        </dd>
        <dt>RCPT TO</dt>
        <dd>
          <ul class="rcpt-list">
            {message.envelope.rcptTo.map((rcpt) => (
              <li key={rcpt}>
                <code>{`<${rcpt}>`}</code>
                {!visible.has(rcpt.toLowerCase()) && (
                  <span class="badge bcc" title="Not in the To or Cc header: a blind copy">
                    BCC
                  </span>
                )}
              </li>
            ))}
          </ul>
        </dd>
        <dt>AUTH user</dt>
        <dd>
          {client.authUser ? <code>{client.authUser}</code> : <span class="muted">none</span>}
        </dd>
        <dt>TLS</dt>
        <dd>
          {client.tls ? (
            <span class="badge ok">encrypted</span>
          ) : (
            <span class="badge">plain text</span>
          )}
        </dd>
        <dt>Client</dt>
        <dd>
          <code>{client.address}</code> <span class="muted">HELO</span> <code>{client.helo}</code>
        </dd>
        <dt>Received</dt>
        <dd>{fullTime(message.receivedAt)}</dd>
        <dt>Date header</dt>
        <dd>{message.date ? fullTime(message.date) : <span class="muted">none</span>}</dd>
        <dt>Message-ID</dt>
        <dd>
          {message.messageId ? <code>{message.messageId}</code> : <span class="muted">none</span>}
        </dd>
        <dt>Size</dt>
        <dd>{formatSize(message.size)}</dd>
        {message.parseErrorMessage && (
          <>
            <dt>Parse error</dt>
            <dd class="error-text">{message.parseErrorMessage}</dd>
          </>
        )}
      </dl>
    </div>
  );
}
