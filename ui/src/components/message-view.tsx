import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiRequestError, getMessage, setMessageRead, type MessageDetail } from '../api.js';
import { useRelayOn } from '../relay/hooks.js';
import { Icon } from './icons.js';
import { MessageHeader, type MessageActions } from './message-header.js';
import { AttachmentsTab } from './tabs/attachments-tab.js';
import { EnvelopeTab } from './tabs/envelope-tab.js';
import { HeadersTab } from './tabs/headers-tab.js';
import { HtmlTab } from './tabs/html-tab.js';
import { RelayTab } from './tabs/relay-tab.js';
import { SourceTab } from './tabs/source-tab.js';
import { TextTab } from './tabs/text-tab.js';

export type TabId = 'html' | 'text' | 'headers' | 'source' | 'attachments' | 'envelope' | 'relay';
const TAB_IDS: readonly string[] = [
  'html',
  'text',
  'headers',
  'source',
  'attachments',
  'envelope',
  'relay',
];

const TAB_KEY = 'sluice.tab';
let preferredTab: TabId = readPreferredTab();

export interface MessageViewProps extends MessageActions {
  readonly id: number;
  /** The list's copy, which live events keep current (read flag). */
  readonly read: boolean | null;
  readonly deleted: boolean;
  readonly onMarkedRead: (id: number) => void;
}

type Loaded =
  | { state: 'loading' }
  | { state: 'ready'; message: MessageDetail }
  | { state: 'missing' }
  | { state: 'error'; error: string };

export function MessageView(props: MessageViewProps) {
  const { id, onMarkedRead } = props;
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const [tab, setTab] = useState<TabId>(preferredTab);
  const relayOn = useRelayOn();

  useEffect(() => {
    let current = true;
    setLoaded({ state: 'loading' });
    getMessage(id)
      .then(async (message) => {
        if (!current) return;
        setLoaded({ state: 'ready', message });
        // Reading does not mark read on the server (docs/architecture.md invariant 3); opening does, here.
        if (!message.read) {
          await setMessageRead(id, true);
          if (current) onMarkedRead(id);
        }
      })
      .catch((error: Error) => {
        if (!current) return;
        if (error instanceof ApiRequestError && error.status === 404)
          setLoaded({ state: 'missing' });
        else setLoaded({ state: 'error', error: error.message });
      });
    return () => {
      current = false;
    };
  }, [id, onMarkedRead]);

  if (props.deleted || loaded.state === 'missing') {
    return (
      <Placeholder onClose={props.onClose} title="This message was deleted.">
        It is no longer in the mailbox.
      </Placeholder>
    );
  }
  if (loaded.state === 'error') {
    return (
      <Placeholder onClose={props.onClose} title="Could not load the message.">
        {loaded.error}
      </Placeholder>
    );
  }
  if (loaded.state === 'loading') return <section class="viewer" aria-busy="true" />;

  const message = loaded.message;
  const read = props.read ?? true;
  const available = tabsFor(message, relayOn);
  const shown = available.some((t) => t.id === tab) ? tab : available[0]!.id;
  const choose = (next: TabId) => {
    preferredTab = next;
    savePreferredTab(next);
    setTab(next);
  };

  return (
    <section class="viewer" aria-label="Message">
      <MessageHeader
        message={message}
        read={read}
        now={props.now}
        hasPrev={props.hasPrev}
        hasNext={props.hasNext}
        onPrev={props.onPrev}
        onNext={props.onNext}
        onClose={props.onClose}
        onDelete={props.onDelete}
        onToggleRead={props.onToggleRead}
      />
      <nav class="tabs" role="tablist" aria-label="Message views">
        {available.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            class="tab"
            data-tab={t.id}
            aria-selected={shown === t.id}
            onClick={() => choose(t.id)}
          >
            {t.label}
            {t.count !== undefined && <span class="tab-count">{t.count}</span>}
          </button>
        ))}
      </nav>
      <div class="tab-panel" role="tabpanel" data-panel={shown}>
        {shown === 'html' && <HtmlTab id={id} html={message.html} />}
        {shown === 'text' && <TextTab text={message.text} />}
        {shown === 'headers' && <HeadersTab headers={message.headers} />}
        {shown === 'source' && <SourceTab id={id} size={message.size} />}
        {shown === 'attachments' && <AttachmentsTab id={id} parts={message.parts} />}
        {shown === 'envelope' && <EnvelopeTab message={message} />}
        {shown === 'relay' && <RelayTab id={id} />}
      </div>
    </section>
  );
}

function tabsFor(
  message: MessageDetail,
  relayOn: boolean,
): { id: TabId; label: string; count?: number }[] {
  const tabs: { id: TabId; label: string; count?: number }[] = [];
  if (message.html !== null) tabs.push({ id: 'html', label: 'HTML' });
  tabs.push({ id: 'text', label: 'Text' });
  tabs.push({ id: 'headers', label: 'Headers' });
  tabs.push({ id: 'source', label: 'Source' });
  // No "Attachments 0": the tab is there only when there is something in it.
  if (message.parts.length > 0)
    tabs.push({ id: 'attachments', label: 'Attachments', count: message.parts.length });
  tabs.push({ id: 'envelope', label: 'Envelope' });
  if (relayOn) tabs.push({ id: 'relay', label: 'Relay' });
  return tabs;
}

function Placeholder(props: { title: string; children: ComponentChildren; onClose: () => void }) {
  return (
    <section class="viewer viewer-placeholder">
      <button type="button" class="icon-button back" onClick={props.onClose} aria-label="Back">
        <Icon name="left" />
      </button>
      <h2>{props.title}</h2>
      <p class="muted">{props.children}</p>
    </section>
  );
}

function readPreferredTab(): TabId {
  try {
    const saved = localStorage.getItem(TAB_KEY);
    if (saved && TAB_IDS.includes(saved)) return saved as TabId;
  } catch {
    // No storage: start on the HTML view.
  }
  return 'html';
}

function savePreferredTab(tab: TabId): void {
  try {
    localStorage.setItem(TAB_KEY, tab);
  } catch {
    // Not remembered; harmless.
  }
}
