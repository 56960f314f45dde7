/**
 * Whether a message's HTML asks for anything from the network: images (src, srcset,
 * background, poster) or CSS url()s over http(s) or protocol-relative. The preview blocks
 * these until the reader allows them, and says so when there are any.
 */
const REMOTE_ATTRIBUTE = /\s(?:src|srcset|background|poster|href)\s*=\s*["']?\s*(?:https?:)?\/\//i;
const REMOTE_CSS = /url\(\s*["']?\s*(?:https?:)?\/\/|@import\s+["']?\s*(?:https?:)?\/\//i;
const LOADING_TAG = /<(?:img|source|image|input|video|table|td|th|body|link)\b[^>]*>/gi;

export function hasRemoteContent(html: string | null): boolean {
  if (!html) return false;
  if (REMOTE_CSS.test(html)) return true;
  for (const [tag] of html.matchAll(LOADING_TAG)) if (REMOTE_ATTRIBUTE.test(tag)) return true;
  return false;
}
