/**
 * The raw view of a message that Go peers give their clients: header fields as written
 * (encoded words left alone) and bodies still in their transfer encoding. Read from the
 * stored raw bytes, never from the parsed copy, because clients decode these themselves.
 */

export interface RawField {
  readonly name: string;
  /** Continuation lines kept with their leading whitespace, CRLF removed (MailHog's way). */
  readonly value: string;
}

export interface RawEntity {
  readonly fields: readonly RawField[];
  readonly body: string;
}

/** Header block and body of one entity; a missing blank line means headers only. */
export function splitEntity(text: string): RawEntity {
  const end = /\r?\n\r?\n/.exec(text);
  const head = end ? text.slice(0, end.index) : text;
  const body = end ? text.slice(end.index + end[0].length) : '';
  // A message without any header starts with the blank line itself.
  if (/^\r?\n/.test(text)) return { fields: [], body: text.replace(/^\r?\n/, '') };
  return { fields: readFields(head), body };
}

function readFields(head: string): RawField[] {
  const fields: { name: string; value: string }[] = [];
  for (const line of head.split(/\r?\n/)) {
    const last = fields[fields.length - 1];
    if (/^[ \t]/.test(line)) {
      if (last) last.value += line;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return fields;
}

/** The first value of a field, by case-insensitive name. */
export function fieldValue(fields: readonly RawField[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return fields.find((f) => f.name.toLowerCase() === lower)?.value;
}

/** The parts of a multipart entity, split on its boundary and not decoded; null otherwise. */
export function multipartParts(entity: RawEntity): RawEntity[] | null {
  const type = fieldValue(entity.fields, 'content-type') ?? '';
  if (!/^\s*multipart\//i.test(type)) return null;
  const boundary = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(type);
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker) return null;
  const pieces = entity.body.split('--' + marker);
  // pieces[0] is the preamble; a piece starting with "--" is the closing delimiter's epilogue.
  return pieces
    .slice(1)
    .filter((piece) => !piece.startsWith('--'))
    .map((piece) => splitEntity(piece.replace(/^[ \t]*\r?\n/, '')));
}

/**
 * Go's textproto canonical form, which Mailpit's header map uses: each dash-separated
 * word capitalised, the rest lower case (`message-id` → `Message-Id`).
 */
export function canonicalHeaderName(name: string): string {
  if (!/^[A-Za-z0-9-]+$/.test(name)) return name;
  return name
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase())
    .join('-');
}

/** Header fields as `{ Canonical-Name: [values, in order] }`, keys sorted, folding joined by a space. */
export function canonicalHeaderMap(fields: readonly RawField[]): Record<string, string[]> {
  const map = new Map<string, string[]>();
  for (const field of fields) {
    const key = canonicalHeaderName(field.name);
    const value = field.value.replace(/\s+/g, ' ');
    map.set(key, [...(map.get(key) ?? []), value]);
  }
  return Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
