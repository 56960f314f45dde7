import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { deleteIds, deleteView, markRead, markViewRead } from './actions.js';
import { serverInfo, type ServerInfo } from './api.js';
import { EmptyState } from './components/empty-state.js';
import { LiveBanner } from './components/live-banner.js';
import { Topbar } from './components/topbar.js';
import { ListPane } from './components/list-pane.js';
import { MessageView } from './components/message-view.js';
import { OutboxView } from './components/outbox-view.js';
import {
  ConfirmDialog,
  ShortcutsOverlay,
  Toast,
  type ConfirmRequest,
} from './components/overlays.js';
import { Sidebar } from './components/sidebar.js';
import { useDrawer } from './drawer.js';
import { useKeyboard } from './keyboard.js';
import { updateFavicon } from './lib/favicon.js';
import { formatCount } from './lib/format.js';
import { notifyNewMessage } from './lib/notify.js';
import type { Mailbox, MailboxState } from './mailbox.js';
import { useOutboxRoute, useRelayOn } from './relay/hooks.js';
import { navigate, routeHash, useRoute } from './route.js';

export function App({ mailbox }: { mailbox: Mailbox }) {
  const { list, counts, status } = useMailboxState(mailbox);
  const route = useRoute();
  const relayOn = useRelayOn();
  const outboxOpen = useOutboxRoute() && relayOn;
  const openId = route.messageId;
  const [cursorId, setCursorId] = useState<number | null>(openId);
  const [help, setHelp] = useState(false);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [toast, setToast] = useState<string | null>(null);
  const [info, setInfo] = useState<ServerInfo | null>(null);
  const [theme, setTheme] = useState(0);
  const drawer = useDrawer();
  const now = useNow(30_000);
  const searchInput = useRef<HTMLInputElement>(null);
  const toastTimer = useRef<ReturnType<typeof setTimeout>>();

  const say = useCallback((text: string) => {
    setToast(text);
    clearTimeout(toastTimer.current);
    toastTimer.current = setTimeout(() => setToast(null), 3500);
  }, []);
  const fail = useCallback((error: unknown) => say(`Failed: ${(error as Error).message}`), [say]);

  useEffect(() => mailbox.setQuery(route.query), [mailbox, route.query]);
  useEffect(() => {
    serverInfo().then(setInfo, () => setInfo(null));
  }, []);

  const open = useCallback(
    (id: number | null) => {
      if (id !== null) setCursorId(id);
      navigate({ query: route.query, messageId: id });
    },
    [route.query],
  );

  useEffect(() => {
    mailbox.onStored = (message) => notifyNewMessage(message, (id) => open(id));
  }, [mailbox, open]);

  // The cursor follows the open message, and starts on the newest one.
  useEffect(() => {
    if (openId !== null) setCursorId(openId);
  }, [openId]);
  const messages = list.messages;
  const cursorIndex = cursorId === null ? -1 : messages.findIndex((m) => m.id === cursorId);
  useEffect(() => {
    if (cursorIndex < 0 && openId === null && messages.length > 0) setCursorId(messages[0]!.id);
  }, [cursorIndex, openId, messages]);

  // Unread count in the title and the favicon badge.
  useEffect(() => {
    document.title = counts.unread > 0 ? `(${formatCount(counts.unread)}) Sluice` : 'Sluice';
    const accent = getComputedStyle(document.documentElement).getPropertyValue('--accent').trim();
    updateFavicon(counts.unread, accent || '#0f766e');
  }, [counts.unread, theme]);

  const openIndex = openId === null ? -1 : messages.findIndex((m) => m.id === openId);
  const neighbour = (index: number, step: number) =>
    index < 0 ? undefined : messages[index + step]?.id;

  const moveCursor = (step: number) => {
    const base = openId !== null && openIndex >= 0 ? openIndex : cursorIndex;
    const next = base < 0 ? messages[0]?.id : neighbour(base, step);
    if (next === undefined) return;
    if (openId !== null) open(next);
    else setCursorId(next);
  };

  const remove = (id: number) => {
    const index = messages.findIndex((m) => m.id === id);
    const after = index >= 0 ? (messages[index + 1]?.id ?? messages[index - 1]?.id ?? null) : null;
    if (cursorId === id) setCursorId(after);
    if (openId === id) open(after);
    deleteIds(mailbox, [id]).then(() => say('Message deleted'), fail);
  };

  const toggleRead = (id: number, read?: boolean) => {
    const message = messages.find((m) => m.id === id);
    const next = read ?? !(message?.read ?? true);
    markRead(mailbox, [id], next).catch(fail);
  };

  const askDeleteView = () => {
    const n = formatCount(list.total) + (list.totalCapped ? '+' : '');
    setConfirm(
      list.query
        ? {
            title: 'Delete search results?',
            body: `This deletes the ${n} message${list.total === 1 ? '' : 's'} matching “${list.query}”.`,
            action: `Delete ${n}`,
            onConfirm: () =>
              deleteView(mailbox).then((d) => say(`Deleted ${formatCount(d)} messages`), fail),
          }
        : {
            title: 'Delete all messages?',
            body: `This deletes all ${n} messages in the mailbox. It cannot be undone.`,
            action: 'Delete all',
            onConfirm: () => {
              navigate({ query: '', messageId: null });
              deleteView(mailbox).then((d) => say(`Deleted ${formatCount(d)} messages`), fail);
            },
          },
    );
  };

  const markAllRead = () => {
    markViewRead(mailbox).then((n) => say(`Marked ${formatCount(n)} read`), fail);
  };

  const search = (query: string) => navigate({ query, messageId: null }, { replace: true });

  useKeyboard({
    modal: help || confirm !== null || drawer.open,
    next: () => moveCursor(1),
    prev: () => moveCursor(-1),
    open: () => cursorId !== null && open(cursorId),
    search: () => searchInput.current?.focus(),
    remove: () => {
      const id = openId ?? cursorId;
      if (id !== null) remove(id);
    },
    toggleRead: () => {
      const id = openId ?? cursorId;
      if (id !== null) toggleRead(id);
    },
    help: () => setHelp((shown) => !shown),
    escape: () => {
      if (confirm) setConfirm(null);
      else if (help) setHelp(false);
      else if (drawer.open) drawer.close(true);
      else if (document.activeElement === searchInput.current) searchInput.current?.blur();
      else if (openId !== null) open(null);
      else if (route.query) navigate({ query: '', messageId: null });
    },
  });

  const hrefFor = useMemo(
    () => (id: number) => routeHash({ query: route.query, messageId: id }),
    [route.query],
  );
  const emptyMailbox = list.loaded && !list.query && list.total === 0 && messages.length === 0;
  const openSummary = openIndex >= 0 ? messages[openIndex] : undefined;
  const classes = ['app'];
  if (openId !== null) classes.push('has-open');
  if (emptyMailbox) classes.push('is-empty');
  if (outboxOpen) classes.push('is-outbox');

  return (
    <div class={classes.join(' ')}>
      <Topbar
        query={route.query}
        count={list.query && list.loaded && !list.error ? list.total : null}
        invalidQuery={list.error?.inQuery === true}
        searchInput={searchInput}
        onSearch={search}
        onHelp={() => setHelp(true)}
        onTheme={() => setTheme((n) => n + 1)}
        onNotice={say}
        menuButton={drawer.menuButton}
        drawerOpen={drawer.open}
        onMenu={drawer.toggle}
      />
      <Sidebar
        query={route.query}
        counts={counts}
        status={status}
        info={info}
        relayOn={relayOn}
        outboxOpen={outboxOpen}
        onView={(query) => navigate({ query, messageId: null })}
        drawerOpen={drawer.open}
        onCloseDrawer={drawer.close}
      />
      {drawer.open && <div class="drawer-backdrop" onClick={() => drawer.close(false)} />}
      <ListPane
        list={list}
        cursorId={cursorId}
        openId={openId}
        now={now}
        hrefFor={hrefFor}
        onSelect={setCursorId}
        onLoadMore={() => void mailbox.loadMore()}
        onMarkAllRead={markAllRead}
        onDeleteView={askDeleteView}
        onClearSearch={() => navigate({ query: '', messageId: null })}
      />
      <div class="view-pane">
        {outboxOpen ? (
          <OutboxView
            now={now}
            subjectOf={(id) => messages.find((m) => m.id === id)?.subject}
            onNotice={say}
          />
        ) : openId !== null ? (
          <MessageView
            id={openId}
            read={openSummary ? openSummary.read : null}
            deleted={mailbox.isDeleted(openId)}
            now={now}
            hasPrev={neighbour(openIndex, -1) !== undefined}
            hasNext={neighbour(openIndex, 1) !== undefined}
            onPrev={() => moveCursor(-1)}
            onNext={() => moveCursor(1)}
            onClose={() => open(null)}
            onDelete={remove}
            onToggleRead={toggleRead}
            onMarkedRead={mailbox.noteRead}
          />
        ) : emptyMailbox ? (
          <EmptyState />
        ) : (
          <div class="no-selection">
            <p>Select a message to read it.</p>
            <p class="muted small">
              <kbd>j</kbd> <kbd>k</kbd> to move, <kbd>Enter</kbd> to open, <kbd>?</kbd> for all
              shortcuts
            </p>
          </div>
        )}
      </div>
      {help && <ShortcutsOverlay onClose={() => setHelp(false)} />}
      {confirm && <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />}
      <LiveBanner status={status} />
      <Toast text={toast} />
    </div>
  );
}

/** The mailbox's state, re-rendered on change; subscribed before paint so no change is lost. */
function useMailboxState(mailbox: Mailbox): MailboxState {
  const [state, setState] = useState(mailbox.state);
  useLayoutEffect(() => {
    const update = () => setState(mailbox.state);
    const unsubscribe = mailbox.subscribe(update);
    update();
    return unsubscribe;
  }, [mailbox]);
  return state;
}

function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
