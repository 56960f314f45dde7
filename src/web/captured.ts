/**
 * Captured mail is untrusted input. Everything served from it (HTML, raw source, parts)
 * carries a CSP `sandbox` with no script permission, so even opened directly in a tab it
 * runs nothing in Sluice's origin, and `nosniff`, so a browser never guesses a type.
 */
export function capturedContentHeaders(options: { remote?: boolean } = {}): Record<string, string> {
  const remote = options.remote ? ' https: http:' : '';
  return {
    'Content-Security-Policy': [
      'sandbox allow-popups allow-popups-to-escape-sandbox',
      "default-src 'none'",
      `img-src 'self' data:${remote}`,
      `style-src 'unsafe-inline'${remote}`,
      `font-src data:${remote}`,
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'self'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'private, no-cache',
  };
}

/** RFC 6266 Content-Disposition with an ASCII fallback and the UTF-8 name. */
export function contentDisposition(kind: 'inline' | 'attachment', filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(wellFormed(filename)).replace(
    /['()*]/g,
    (ch) => '%' + ch.charCodeAt(0).toString(16).toUpperCase(),
  );
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** Lone surrogates (a broken UTF-16 name) become U+FFFD; encodeURIComponent throws on them. */
function wellFormed(text: string): string {
  return text.replace(
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    '\uFFFD',
  );
}

/** Images a browser can show without running anything; everything else is downloaded. */
const INLINE_SAFE_TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/bmp',
]);

/** The bare image type when a part may be shown inline, else null (it is downloaded). */
export function inlineImageType(contentType: string): string | null {
  const type = contentType.toLowerCase().split(';')[0]!.trim();
  return INLINE_SAFE_TYPES.has(type) ? type : null;
}

/** type "/" subtype as RFC 9110 §8.3.1 allows them (tokens, optional parameters). */
const MEDIA_TYPE = /^[\w!#$%&'*+.^`|~-]+\/[\w!#$%&'*+.^`|~-]+(\s*;[\x20-\x7e]*)?$/;

/**
 * The declared type for a download, unless a browser could render it as a page, or it is
 * not a valid media type at all (the sender chose it; as a header value it could even
 * make the response fail).
 */
export function downloadType(contentType: string): string {
  const renderable = /html|xml|svg|javascript|ecmascript/i.test(contentType);
  return renderable || !MEDIA_TYPE.test(contentType) ? 'application/octet-stream' : contentType;
}

/**
 * Prepares a message's HTML for the inbox's sandboxed iframe: `cid:` references point at
 * the part URLs, links open in a new tab without an opener.
 */
export function prepareHtml(html: string, partUrl: (contentId: string) => string): string {
  const rewritten = html
    .replace(/\bcid:([^"'\s)>]+)/gi, (_, id: string) => partUrl(safeDecode(id)))
    .replace(/<a\b/gi, '<a rel="noopener noreferrer" target="_blank"');
  const doctype = /^\s*<!doctype[^>]*>/i.exec(rewritten);
  const head = '<meta name="referrer" content="no-referrer"><base target="_blank">';
  return doctype ? doctype[0] + head + rewritten.slice(doctype[0].length) : head + rewritten;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
