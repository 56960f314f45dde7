import { memo } from '../lib/memo.js';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { MessageSummary } from '../api.js';
import { displayName, formatAddress } from '../lib/format.js';
import { fullTime, relativeTime } from '../lib/time.js';
import { Icon } from './icons.js';

/** Every row has this height (styles.css uses the same number), so position = index × height. */
export const ROW_HEIGHT = 72;
const OVERSCAN = 8;
/** Ask for the next page when this few rows are left below the visible ones. */
const PREFETCH_ROWS = 40;

export interface MessageListProps {
  readonly messages: readonly MessageSummary[];
  readonly hasMore: boolean;
  readonly loadingMore: boolean;
  readonly cursorId: number | null;
  readonly openId: number | null;
  readonly now: number;
  readonly hrefFor: (id: number) => string;
  readonly onSelect: (id: number) => void;
  readonly onLoadMore: () => void;
}

/**
 * A fixed-row-height virtual list: only the rows in view (plus a few) are in the DOM, so a
 * mailbox of 100,000 messages costs the same to render as one of fifty.
 */
export function MessageList(props: MessageListProps) {
  const { messages, hasMore, cursorId } = props;
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(800);
  const frame = useRef(0);
  const previousTop = useRef<number | undefined>(undefined);

  // The observer reports the height after layout; reading it here would force a layout
  // of the whole page during the first render.
  useEffect(() => {
    const element = ref.current!;
    const observer = new ResizeObserver(([entry]) => setHeight(entry!.contentRect.height));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  // A message arriving on top must not push the rows the reader is looking at down.
  useLayoutEffect(() => {
    const element = ref.current!;
    const oldTop = previousTop.current;
    previousTop.current = messages[0]?.id;
    if (oldTop === undefined || element.scrollTop === 0 || messages[0]?.id === oldTop) return;
    const shifted = messages.findIndex((m) => m.id === oldTop);
    if (shifted > 0) {
      element.scrollTop += shifted * ROW_HEIGHT;
      setScrollTop(element.scrollTop);
    }
  }, [messages]);

  // Keep the keyboard cursor in view.
  useLayoutEffect(() => {
    if (cursorId === null) return;
    const element = ref.current!;
    const index = messages.findIndex((m) => m.id === cursorId);
    if (index < 0) return;
    const top = index * ROW_HEIGHT;
    if (top < element.scrollTop) element.scrollTop = top;
    else if (top + ROW_HEIGHT > element.scrollTop + element.clientHeight)
      element.scrollTop = top + ROW_HEIGHT - element.clientHeight;
    setScrollTop(element.scrollTop);
    // Only when the cursor moves, not when the list grows (deps are deliberate).
  }, [cursorId]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(messages.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);

  useEffect(() => {
    if (hasMore && !props.loadingMore && last + PREFETCH_ROWS >= messages.length)
      props.onLoadMore();
  });

  const onScroll = () => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => setScrollTop(ref.current?.scrollTop ?? 0));
  };

  const rows = [];
  for (let index = first; index < last; index++) {
    const message = messages[index]!;
    rows.push(
      <Row
        key={message.id}
        message={message}
        top={index * ROW_HEIGHT}
        cursor={message.id === cursorId}
        open={message.id === props.openId}
        now={props.now}
        href={props.hrefFor(message.id)}
        onSelect={props.onSelect}
      />,
    );
  }
  const contentHeight = (messages.length + (hasMore ? 1 : 0)) * ROW_HEIGHT;
  return (
    <div class="list" ref={ref} onScroll={onScroll} role="listbox" aria-label="Messages">
      <div class="list-content" style={{ height: `${contentHeight}px` }}>
        {rows}
        {hasMore && (
          <div class="list-more" style={{ top: `${messages.length * ROW_HEIGHT}px` }}>
            Loading older messages…
          </div>
        )}
      </div>
    </div>
  );
}

interface RowProps {
  readonly message: MessageSummary;
  readonly top: number;
  readonly cursor: boolean;
  readonly open: boolean;
  readonly now: number;
  readonly href: string;
  readonly onSelect: (id: number) => void;
}

const Row = memo(function Row({ message, top, cursor, open, now, href, onSelect }: RowProps) {
  const classes = ['row', message.read ? 'read' : 'unread'];
  if (cursor) classes.push('cursor');
  if (open) classes.push('open');
  return (
    <a
      class={classes.join(' ')}
      href={href}
      style={{ transform: `translateY(${top}px)` }}
      role="option"
      aria-selected={cursor}
      data-id={message.id}
      onClick={() => onSelect(message.id)}
    >
      <span class="row-line">
        {!message.read && <span class="unread-dot" aria-label="unread" />}
        <span class="row-from">
          {displayName(message.from, message.envelope.mailFrom || '(no sender)')}
        </span>
        {message.parseError && (
          <span class="row-flag" title="Could not be fully parsed: open it to see why">
            <Icon name="warning" size={13} label="could not be fully parsed" />
          </span>
        )}
        {message.to.length > 0 && <Recipients to={message.to} />}
        {message.attachmentCount > 0 && (
          <span class="row-clip" title={`${message.attachmentCount} attachment(s)`}>
            <Icon name="clip" size={13} label="has attachments" />
          </span>
        )}
        <time class="row-time" dateTime={message.receivedAt} title={fullTime(message.receivedAt)}>
          {relativeTime(message.receivedAt, now)}
        </time>
      </span>
      {/* Long subjects are cut to one line; the tooltip has all of it. */}
      <span class="row-subject" title={message.subject || undefined}>
        {message.subject || '(no subject)'}
      </span>
      <span class="row-snippet">{message.snippet}</span>
    </a>
  );
});

/** "to Ann Lee +2": the first name shortens before the count does; the tooltip has all. */
function Recipients({ to }: { to: MessageSummary['to'] }) {
  const first = to[0]!;
  return (
    <span class="row-to" title={`To: ${to.map(formatAddress).join(', ')}`}>
      <span class="row-to-first">to {displayName(first, first.address)}</span>
      {to.length > 1 && (
        <>
          {' '}
          <span class="row-to-more">+{to.length - 1}</span>
        </>
      )}
    </span>
  );
}
