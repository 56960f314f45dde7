import { messageUrl, type MessageDetail } from '../api.js';
import { formatAddress, formatSize } from '../lib/format.js';
import { fullTime, mediumTime, relativeTime } from '../lib/time.js';
import { Avatar } from './avatar.js';
import { Icon } from './icons.js';

/** Navigation and actions that the message view hands down to its header. */
export interface MessageActions {
  readonly now: number;
  readonly hasPrev: boolean;
  readonly hasNext: boolean;
  readonly onPrev: () => void;
  readonly onNext: () => void;
  readonly onClose: () => void;
  readonly onDelete: (id: number) => void;
  readonly onToggleRead: (id: number, read: boolean) => void;
}

export interface MessageHeaderProps extends MessageActions {
  readonly message: MessageDetail;
  readonly read: boolean;
}

/** Subject, people, time and the actions on one message. */
export function MessageHeader(props: MessageHeaderProps) {
  const { message, read } = props;
  const id = message.id;
  return (
    <header class="viewer-header">
      <div class="viewer-top">
        <button
          type="button"
          class="icon-button back"
          onClick={props.onClose}
          title="Back to the list (Esc)"
          aria-label="Back"
        >
          <Icon name="left" />
        </button>
        <h1 class="viewer-subject">{message.subject || '(no subject)'}</h1>
        <div class="viewer-actions">
          <button
            type="button"
            class="icon-button"
            disabled={!props.hasPrev}
            onClick={props.onPrev}
            title="Newer message (k)"
            aria-label="Newer message"
          >
            <Icon name="up" />
          </button>
          <button
            type="button"
            class="icon-button"
            disabled={!props.hasNext}
            onClick={props.onNext}
            title="Older message (j)"
            aria-label="Older message"
          >
            <Icon name="down" />
          </button>
          <button
            type="button"
            class="icon-button"
            onClick={() => props.onToggleRead(id, !read)}
            title={read ? 'Mark unread (u)' : 'Mark read (u)'}
            aria-label={read ? 'Mark unread' : 'Mark read'}
          >
            <Icon name={read ? 'mail' : 'mailOpen'} />
          </button>
          <a
            class="icon-button"
            href={messageUrl(id, 'download')}
            download={`message-${id}.eml`}
            title="Download .eml"
            aria-label="Download .eml"
          >
            <Icon name="download" />
          </a>
          <button
            type="button"
            class="icon-button danger"
            onClick={() => props.onDelete(id)}
            title="Delete (Del)"
            aria-label="Delete message"
          >
            <Icon name="trash" />
          </button>
        </div>
      </div>
      <div class="viewer-meta">
        <Avatar address={message.from} />
        <div class="viewer-people">
          <div class="viewer-from">
            {message.from
              ? formatAddress(message.from)
              : message.envelope.mailFrom || '(no sender)'}
          </div>
          <AddressLine label="To" addresses={message.to} />
          <AddressLine label="Cc" addresses={message.cc} />
          <AddressLine label="Bcc" addresses={message.bcc} />
          <AddressLine label="Reply-To" addresses={message.replyTo} />
        </div>
        <div class="viewer-when">
          <time dateTime={message.receivedAt} title={fullTime(message.receivedAt)}>
            {mediumTime(message.receivedAt)}
          </time>
          <span class="muted">
            {[relativeTime(message.receivedAt, props.now, true), formatSize(message.size)]
              .filter(Boolean)
              .join(' · ')}
          </span>
        </div>
      </div>
      {message.parseError && (
        <p class="notice">This message could not be fully parsed: {message.parseErrorMessage}</p>
      )}
    </header>
  );
}

function AddressLine({ label, addresses }: { label: string; addresses: MessageDetail['to'] }) {
  if (addresses.length === 0) return null;
  return (
    <div class="viewer-to" data-field={label.toLowerCase()}>
      <span class="muted">{label}</span> {addresses.map(formatAddress).join(', ')}
    </div>
  );
}
