import type { RefObject } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/** The width below which the sidebar becomes a drawer; narrow.css has the same number. */
const DRAWER_MAX_WIDTH = 1100;

export interface Drawer {
  readonly open: boolean;
  /** The top bar's menu button, which gets the focus back when the drawer closes. */
  readonly menuButton: RefObject<HTMLButtonElement>;
  readonly toggle: () => void;
  /** `refocus`: Escape or a chosen view hands the focus back to the menu button. */
  readonly close: (refocus: boolean) => void;
}

/** The sidebar as a drawer on narrow screens, opened from the top bar's menu button. */
export function useDrawer(): Drawer {
  const [open, setOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  const toggle = useCallback(() => setOpen((shown) => !shown), []);
  const close = useCallback((refocus: boolean) => {
    setOpen(false);
    if (refocus) menuButton.current?.focus();
  }, []);
  // A window that grows past the breakpoint shows the sidebar itself; nothing is left open
  // that would keep the keyboard shortcuts off.
  useEffect(() => {
    const narrow = matchMedia(`(max-width: ${DRAWER_MAX_WIDTH}px)`);
    const onChange = () => narrow.matches || setOpen(false);
    narrow.addEventListener('change', onChange);
    return () => narrow.removeEventListener('change', onChange);
  }, []);
  return { open, menuButton, toggle, close };
}
