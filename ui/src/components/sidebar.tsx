import { useEffect, useRef } from 'preact/hooks';
import type { ServerInfo } from '../api.js';
import type { LiveStatus } from '../live.js';
import { formatCount } from '../lib/format.js';
import { OUTBOX_HASH } from '../relay/hooks.js';
import { Icon, type IconName } from './icons.js';
import { listenerAddress } from '../snippets/target.js';

const VIEWS: { query: string; label: string; icon: IconName }[] = [
  { query: '', label: 'Inbox', icon: 'inbox' },
  { query: 'is:unread', label: 'Unread', icon: 'mail' },
  { query: 'has:attachment', label: 'Attachments', icon: 'clip' },
];

export interface SidebarProps {
  readonly query: string;
  readonly counts: { total: number; unread: number };
  readonly status: LiveStatus;
  readonly info: ServerInfo | null;
  readonly onView: (query: string) => void;
  /** Whether the relay is on (the Outbox entry) and its view is the one shown. */
  readonly relayOn: boolean;
  readonly outboxOpen: boolean;
  /** Narrow screens show the sidebar as a drawer, opened from the top bar's menu button. */
  readonly drawerOpen: boolean;
  /** Closes the drawer; `refocus` gives focus back to the menu button (Escape, a view chosen). */
  readonly onCloseDrawer: (refocus: boolean) => void;
}

export function Sidebar(props: SidebarProps) {
  const { query, counts, status, info, onView, relayOn, outboxOpen, drawerOpen } = props;
  const views = useRef<HTMLElement>(null);
  // Opened as a drawer: focus goes to the view shown now, as a menu's would.
  useEffect(() => {
    if (!drawerOpen) return;
    const links = views.current?.querySelectorAll<HTMLElement>('a');
    const current = views.current?.querySelector<HTMLElement>('[aria-current="page"]');
    (current ?? links?.[0])?.focus();
  }, [drawerOpen]);
  return (
    <aside
      id="sidebar"
      class={`sidebar${drawerOpen ? ' open' : ''}`}
      onFocusOut={(e) => {
        // Tabbing out of the drawer closes it, so it never hides what has the focus. (The
        // menu button toggles it by itself.)
        const next = e.relatedTarget;
        if (!drawerOpen || !(next instanceof Element) || e.currentTarget.contains(next)) return;
        if (!next.matches('[aria-controls="sidebar"]')) props.onCloseDrawer(false);
      }}
    >
      <nav class="views" aria-label="Views" ref={views}>
        {VIEWS.map((view) => {
          const active = !outboxOpen && query === view.query;
          const count =
            view.query === '' ? counts.total : view.query === 'is:unread' ? counts.unread : null;
          return (
            <a
              key={view.label}
              href={view.query ? `#/search/${encodeURIComponent(view.query)}` : '#/'}
              class={`view${active ? ' active' : ''}`}
              aria-current={active ? 'page' : undefined}
              onClick={(e) => {
                e.preventDefault();
                onView(view.query);
                props.onCloseDrawer(true);
              }}
            >
              <Icon name={view.icon} />
              <span>{view.label}</span>
              {count !== null && count > 0 && <span class="view-count">{formatCount(count)}</span>}
            </a>
          );
        })}
        {relayOn && (
          <a
            href={OUTBOX_HASH}
            class={`view view-outbox${outboxOpen ? ' active' : ''}`}
            aria-current={outboxOpen ? 'page' : undefined}
            onClick={() => props.onCloseDrawer(true)}
          >
            <Icon name="send" />
            <span>Outbox</span>
          </a>
        )}
      </nav>
      <div class="server">
        <div class={`status status-${status}`} data-status={status}>
          <span class="status-dot" aria-hidden="true" />
          {status === 'live' ? 'Live' : status === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </div>
        {info && (
          <dl>
            <div>
              <dt>SMTP</dt>
              <dd>{listenerAddress(info.smtp, location.hostname)}</dd>
            </div>
            {info.starttls && (
              <div>
                <dt>STARTTLS</dt>
                <dd>{listenerAddress(info.starttls, location.hostname)}</dd>
              </div>
            )}
            {info.smtps && (
              <div>
                <dt>SMTPS</dt>
                <dd>{listenerAddress(info.smtps, location.hostname)}</dd>
              </div>
            )}
            <div>
              <dt>Version</dt>
              <dd>{info.version}</dd>
            </div>
          </dl>
        )}
      </div>
    </aside>
  );
}
