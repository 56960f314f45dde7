import { decodeHTML } from 'entities';

/**
 * A cheap HTML-to-text for the search index and snippets. mailparser's html-to-text
 * is thorough but slow on large or hostile HTML; the index only needs the words.
 *
 * One forward scan with indexOf, so the cost stays linear on hostile input such as
 * thousands of '<' without '>' or unclosed comments (regexes were quadratic there:
 * test/fixtures/regressions/html-unclosed-*.eml).
 */
const SKIPPED_ELEMENTS = new Set(['script', 'style', 'head', 'title']);
const BLOCK_ELEMENTS = new Set([
  'br',
  'p',
  'div',
  'tr',
  'li',
  'table',
  'blockquote',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
]);
const TAG_NAME = /^\/?([a-z][a-z0-9]*)/i;

export function htmlToPlainText(html: string): string {
  return decodeEntities(stripTags(html));
}

function stripTags(html: string): string {
  const out: string[] = [];
  let text = 0; // start of the text not yet copied to out
  let at = 0;
  while (at < html.length) {
    const open = html.indexOf('<', at);
    if (open < 0) break;
    // As in HTML, '<' not followed by a tag start ("a < b") is text.
    if (!isTagStart(html.charCodeAt(open + 1))) {
      at = open + 1;
      continue;
    }
    const comment = html.startsWith('<!--', open);
    const close = comment ? html.indexOf('-->', open + 4) : html.indexOf('>', open + 1);
    // Unclosed: a browser drops an unclosed comment; a tag with no '>' after it means none
    // after any later '<' either, so the rest is text.
    if (close < 0) {
      if (comment) html = html.slice(0, open);
      break;
    }
    out.push(html.slice(text, open));
    const tag = comment ? null : TAG_NAME.exec(html.slice(open + 1, Math.min(close, open + 40)));
    const name = tag?.[1]?.toLowerCase() ?? '';
    at = close + (comment ? 3 : 1);
    if (tag && SKIPPED_ELEMENTS.has(name) && !tag[0].startsWith('/')) {
      const closer = new RegExp(`</${name}\\b[^>]*>`, 'gi');
      closer.lastIndex = at;
      const found = closer.exec(html);
      at = found ? found.index + found[0].length : html.length;
    }
    out.push(BLOCK_ELEMENTS.has(name) ? '\n' : ' ');
    text = at;
  }
  out.push(html.slice(text));
  return out.join('');
}

/** A letter, '/', '!' or '?': what may follow '<' in a tag, comment or declaration. */
function isTagStart(code: number): boolean {
  const lower = code | 0x20;
  return (lower >= 0x61 && lower <= 0x7a) || code === 0x2f || code === 0x21 || code === 0x3f;
}

/**
 * Every HTML5 character reference, as a browser reads text (the legacy ones such as
 * "&copy" without a semicolon too); no-break spaces become spaces for snippets and search.
 */
function decodeEntities(text: string): string {
  const decoded = text.includes('&') ? decodeHTML(text) : text;
  return decoded.replaceAll('\u00a0', ' ');
}

export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
