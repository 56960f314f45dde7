import type { RefObject } from 'preact';
import { useState } from 'preact/hooks';
import { notifyState, toggleNotifications, type NotifyState } from '../lib/notify.js';
import { currentTheme, toggleTheme } from '../lib/theme.js';
import { Icon, Logo } from './icons.js';
import { SearchBox } from './search-box.js';

export interface TopbarProps {
  readonly query: string;
  readonly count: number | null;
  readonly invalidQuery: boolean;
  readonly searchInput: RefObject<HTMLInputElement>;
  readonly onSearch: (query: string) => void;
  readonly onHelp: () => void;
  readonly onTheme: () => void;
  readonly onNotice: (text: string) => void;
  /** The views drawer on narrow screens (the button is hidden where the sidebar shows). */
  readonly menuButton: RefObject<HTMLButtonElement>;
  readonly drawerOpen: boolean;
  readonly onMenu: () => void;
}

const NOTIFY_TITLES: Record<NotifyState, string> = {
  unsupported: 'This browser has no desktop notifications',
  denied: 'Notifications are blocked in the browser settings',
  off: 'Notify me of new mail',
  on: 'Desktop notifications are on (click to turn off)',
};

export function Topbar(props: TopbarProps) {
  const [theme, setTheme] = useState(currentTheme());
  const [notify, setNotify] = useState<NotifyState>(notifyState());
  return (
    <header class="topbar">
      <button
        type="button"
        class="icon-button menu-button"
        ref={props.menuButton}
        aria-label="Menu"
        title="Views: Inbox, Unread, Attachments, Outbox"
        aria-expanded={props.drawerOpen}
        aria-controls="sidebar"
        onClick={props.onMenu}
      >
        <Icon name="menu" />
      </button>
      <a class="brand" href="#/" title="Inbox">
        <Logo />
        <span>Sluice</span>
      </a>
      <SearchBox
        query={props.query}
        count={props.count}
        invalid={props.invalidQuery}
        inputRef={props.searchInput}
        onSearch={props.onSearch}
      />
      <div class="topbar-actions">
        {notify !== 'unsupported' && (
          <button
            type="button"
            class={`icon-button${notify === 'on' ? ' active' : ''}`}
            title={NOTIFY_TITLES[notify]}
            aria-label={NOTIFY_TITLES[notify]}
            aria-pressed={notify === 'on'}
            disabled={notify === 'denied'}
            data-action="notifications"
            onClick={async () => {
              const next = await toggleNotifications();
              setNotify(next);
              if (next === 'on') props.onNotice('Desktop notifications on');
            }}
          >
            <Icon name={notify === 'on' ? 'bell' : 'bellOff'} />
          </button>
        )}
        <button
          type="button"
          class="icon-button"
          title={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
          aria-label="Toggle theme"
          data-action="theme"
          onClick={() => {
            setTheme(toggleTheme());
            props.onTheme();
          }}
        >
          <Icon name={theme === 'dark' ? 'sun' : 'moon'} />
        </button>
        <button
          type="button"
          class="icon-button"
          title="Keyboard shortcuts (?)"
          aria-label="Keyboard shortcuts"
          onClick={props.onHelp}
        >
          <Icon name="keyboard" />
        </button>
      </div>
    </header>
  );
}
