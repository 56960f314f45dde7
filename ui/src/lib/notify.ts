import type { MessageSummary } from '../api.js';
import { displayName } from './format.js';

const KEY = 'sluice.notifications';

export type NotifyState = 'unsupported' | 'denied' | 'off' | 'on';

export function notifyState(): NotifyState {
  if (!('Notification' in window)) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  return Notification.permission === 'granted' && readFlag() ? 'on' : 'off';
}

/** Opt in (asks the browser's permission the first time) or out. */
export async function toggleNotifications(): Promise<NotifyState> {
  const state = notifyState();
  if (state === 'unsupported' || state === 'denied') return state;
  if (state === 'on') {
    writeFlag(false);
    return 'off';
  }
  const permission = await Notification.requestPermission();
  writeFlag(permission === 'granted');
  return notifyState();
}

const BATCH_MS = 600;
let pending: MessageSummary[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;

/**
 * Shows a desktop notification for mail that arrives while the inbox is not in front.
 * A burst (a test suite sending fifty messages) becomes one notification.
 */
export function notifyNewMessage(message: MessageSummary, open: (id: number) => void): void {
  if (notifyState() !== 'on' || document.hasFocus()) return;
  pending.push(message);
  clearTimeout(timer);
  timer = setTimeout(() => {
    const batch = pending;
    pending = [];
    const first = batch[0];
    if (!first) return;
    const notification =
      batch.length === 1
        ? new Notification(first.subject || '(no subject)', {
            body: `${displayName(first.from)} — ${first.snippet}`.slice(0, 180),
            tag: 'sluice',
          })
        : new Notification(`${batch.length} new messages`, {
            body: batch
              .slice(0, 3)
              .map((m) => m.subject || '(no subject)')
              .join('\n'),
            tag: 'sluice',
          });
    notification.onclick = () => {
      window.focus();
      open(first.id);
      notification.close();
    };
  }, BATCH_MS);
}

function readFlag(): boolean {
  try {
    return localStorage.getItem(KEY) === '1';
  } catch {
    return false;
  }
}

function writeFlag(on: boolean): void {
  try {
    if (on) localStorage.setItem(KEY, '1');
    else localStorage.removeItem(KEY);
  } catch {
    // Private mode: the choice is not remembered.
  }
}
