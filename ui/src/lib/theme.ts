export type Theme = 'light' | 'dark';

const KEY = 'sluice.theme';
const dark = window.matchMedia('(prefers-color-scheme: dark)');

function savedTheme(): Theme | null {
  try {
    const value = localStorage.getItem(KEY);
    return value === 'light' || value === 'dark' ? value : null;
  } catch {
    return null;
  }
}

/** Applies the saved choice; without one the CSS follows prefers-color-scheme. */
export function applySavedTheme(): void {
  const theme = savedTheme();
  if (theme) document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
}

export function currentTheme(): Theme {
  return savedTheme() ?? (dark.matches ? 'dark' : 'light');
}

/** Flips the theme and remembers it; choosing what the system has forgets the choice. */
export function toggleTheme(): Theme {
  const next: Theme = currentTheme() === 'dark' ? 'light' : 'dark';
  try {
    if (next === (dark.matches ? 'dark' : 'light')) localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, next);
  } catch {
    // Storage refused (private mode): the choice lasts for this page only.
    document.documentElement.dataset.theme = next;
    return next;
  }
  applySavedTheme();
  return next;
}

export function onSystemThemeChange(listener: () => void): () => void {
  dark.addEventListener('change', listener);
  return () => dark.removeEventListener('change', listener);
}
