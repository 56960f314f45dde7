import type { Address } from '../api.js';

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatCount(n: number): string {
  return n.toLocaleString();
}

/** "Ann Lee" when there is a name, else the address. */
export function displayName(address: Address | null | undefined, fallback = '(no sender)'): string {
  if (!address) return fallback;
  return address.name || address.address || fallback;
}

export function formatAddress(address: Address): string {
  if (!address.name) return address.address;
  return `${address.name} <${address.address}>`;
}
