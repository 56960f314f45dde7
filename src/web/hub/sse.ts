/** Server-Sent Events framing (HTML standard §9.2), shared by the native stream and peers'. */

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache',
  // nginx and others buffer responses unless told not to; events must go out as they happen.
  'X-Accel-Buffering': 'no',
} as const;

export interface SseFields {
  readonly event?: string;
  readonly id?: string;
  /** Sent as one `data:` line per line (JSON.stringify without indent makes one). */
  readonly data: string;
  /** How long the browser waits before reconnecting, in milliseconds. */
  readonly retry?: number;
}

const LINE_BREAK = /\r\n|\r|\n/g;

export function sseFrame(fields: SseFields): string {
  return (
    (fields.event === undefined ? '' : `event: ${fields.event}\n`) +
    (fields.id === undefined ? '' : `id: ${fields.id}\n`) +
    (fields.retry === undefined ? '' : `retry: ${fields.retry}\n`) +
    `data: ${fields.data.replace(LINE_BREAK, '\ndata: ')}\n\n`
  );
}

/** A comment line: ignored by EventSource, it keeps proxies from closing an idle stream. */
export const SSE_HEARTBEAT = ': keep-alive\n\n';
