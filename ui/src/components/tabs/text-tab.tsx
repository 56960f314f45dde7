import type { ComponentChildren } from 'preact';

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'()[\]]+[^\s<>"'()[\].,;:!?]/g;

/** Plain text with its http(s) links clickable (nothing else becomes a link). */
export function TextTab({ text }: { text: string | null }) {
  if (text === null || text === '')
    return <p class="tab-empty">This message has no plain-text part.</p>;
  return <pre class="text-body">{linkify(text)}</pre>;
}

function linkify(text: string): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index;
    if (start > last) out.push(text.slice(last, start));
    out.push(
      <a href={match[0]} target="_blank" rel="noopener noreferrer">
        {match[0]}
      </a>,
    );
    last = start + match[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
