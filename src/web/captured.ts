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

/**
 * What a blocked remote image shows instead of the browser's broken-image icon: a grey box
 * with a picture in the middle, at whatever size the message gave the image. The box
 * reaches far past the viewBox so it fills any shape; the picture is a quarter of the
 * shorter side.
 */
const BLOCKED_IMAGE = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96" width="96" height="96">' +
    '<rect x="-5000" y="-5000" width="10096" height="10096" fill="#e9ecef"/>' +
    '<g transform="translate(36 36)" fill="none" stroke="#8a939c" stroke-width="1.5" ' +
    'stroke-linecap="round" stroke-linejoin="round">' +
    '<rect x="3" y="3" width="18" height="18" rx="2"/><circle cx="9" cy="9" r="1.5"/>' +
    '<path d="m21 15-5-5L5 21"/></g></svg>',
)}`;
const IMAGE_TAG = /<(?:img|source)\b[^>]*>/gi;
const IMAGE_SOURCE = /(\s)(src|srcset)\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+)/gi;
/** http(s) or protocol-relative; anything else (cid: rewritten, data:) loads without asking. */
const REMOTE_URL = /(?:^|[\s,])(?:https?:)?\/\//i;

/**
 * Remote images the CSP keeps out (until the reader allows them) would show as broken
 * icons; they get a placeholder instead and keep their URL in data-blocked-*, which loads
 * nothing. Only what is displayed changes: the CSP, not this rewrite, is what blocks.
 */
export function placeholdRemoteImages(html: string): string {
  return html.replace(IMAGE_TAG, (tag) =>
    tag.replace(IMAGE_SOURCE, (whole, space: string, name: string, value: string) => {
      if (!REMOTE_URL.test(value.replace(/^["']/, ''))) return whole;
      if (name.toLowerCase() === 'srcset') return `${space}data-blocked-srcset=${value}`;
      return `${space}src="${BLOCKED_IMAGE}" data-blocked-src=${value}`;
    }),
  );
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
