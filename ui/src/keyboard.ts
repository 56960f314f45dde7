import { useEffect, useRef } from 'preact/hooks';

export interface KeyActions {
  next(): void;
  prev(): void;
  open(): void;
  search(): void;
  remove(): void;
  toggleRead(): void;
  help(): void;
  escape(): void;
  /** A dialog is open: only Escape (and ?) reach the app. */
  modal: boolean;
}

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
}

/** j/k and arrows, Enter, /, Delete, u, ? and Escape, as the shortcut overlay lists them. */
export function useKeyboard(actions: KeyActions): void {
  const latest = useRef(actions);
  latest.current = actions;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
      const a = latest.current;
      if (event.key === 'Escape') return a.escape();
      if (typing(event.target) || a.modal) {
        if (a.modal && event.key === '?') a.help();
        return;
      }
      const handlers: Record<string, () => void> = {
        j: a.next,
        ArrowDown: a.next,
        k: a.prev,
        ArrowUp: a.prev,
        Enter: a.open,
        '/': a.search,
        Delete: a.remove,
        u: a.toggleRead,
        '?': a.help,
      };
      const handler = handlers[event.key];
      if (!handler) return;
      // Enter on a focused link (a row included) or button keeps its own meaning.
      if (
        event.key === 'Enter' &&
        event.target instanceof HTMLElement &&
        event.target.closest('button, a, summary')
      )
        return;
      event.preventDefault();
      handler();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}
