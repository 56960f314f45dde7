import type { Address } from '../api.js';

/** Initials on a colour picked from the address, so one sender always looks the same. */
export function Avatar({ address }: { address: Address | null }) {
  const text = address?.name || address?.address || '?';
  const initials =
    text
      .replace(/@.*/, '')
      .split(/[\s._-]+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((word) => word[0]!.toUpperCase())
      .join('') || '?';
  let hash = 0;
  for (const ch of address?.address ?? text) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return (
    <span class="avatar" style={{ '--hue': String(hash % 360) }} aria-hidden="true">
      {initials}
    </span>
  );
}
