/** One Server-Sent Events frame, as the HTML standard's parser would dispatch it. */
export interface SseEvent {
  readonly event: string;
  readonly id: string | null;
  readonly data: string;
}

/**
 * A minimal EventSource over a streaming fetch (Node 20's EventSource is experimental).
 * Frames are parsed by the rules of the HTML standard (§9.2.6): lines split on CRLF, LF
 * or CR; `data` lines joined with "\n"; comments (":") ignored; a blank line dispatches.
 */
export class SseClient {
  readonly response: Response;
  readonly #abort: AbortController;
  readonly #queue: SseEvent[] = [];
  #waiter: (() => void) | null = null;
  #ended = false;

  private constructor(response: Response, abort: AbortController) {
    this.response = response;
    this.#abort = abort;
    void this.#pump();
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const abort = new AbortController();
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: abort.signal,
    });
    if (response.status !== 200) {
      abort.abort();
      throw new Error(`event stream answered ${response.status}: ${await response.text()}`);
    }
    return new SseClient(response, abort);
  }

  /** The next event (optionally of one type, skipping others), or a failure after `timeoutMs`. */
  async next(type?: string, timeoutMs = 10_000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.#queue.findIndex((e) => type === undefined || e.event === type);
      if (index >= 0) return this.#queue.splice(index, 1)[0]!;
      if (this.#ended) throw new Error(`the event stream ended before a ${type ?? 'any'} event`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no ${type ?? ''} event within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Events received and not yet taken by next(). */
  get buffered(): readonly SseEvent[] {
    return this.#queue;
  }

  close(): void {
    this.#abort.abort();
  }

  async #pump(): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    let frame = { event: '', id: null as string | null, data: [] as string[] };
    try {
      const reader = this.response.body!.getReader();
      for (;;) {
        const { value: chunk, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(chunk, { stream: true });
        // A CR at the end of a chunk may be the first half of a CRLF: keep it for later.
        const held = buffer.endsWith('\r') ? '\r' : '';
        const lines = buffer.slice(0, buffer.length - held.length).split(/\r\n|\r|\n/);
        buffer = lines.pop()! + held;
        for (const line of lines) {
          if (line === '') {
            if (frame.data.length > 0) {
              this.#push({
                event: frame.event || 'message',
                id: frame.id,
                data: frame.data.join('\n'),
              });
            }
            frame = { event: '', id: null, data: [] };
            continue;
          }
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') frame.event = value;
          else if (field === 'data') frame.data.push(value);
          else if (field === 'id') frame.id = value;
        }
      }
    } catch {
      // Aborted by close() or by the server going away; either ends the stream.
    }
    this.#ended = true;
    this.#wake();
  }

  #push(event: SseEvent): void {
    this.#queue.push(event);
    this.#wake();
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.();
  }
}
