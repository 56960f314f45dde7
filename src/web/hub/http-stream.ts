import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Context } from 'hono';
import { ApiError } from '../errors.js';
import { HubClosedError, type EventHub } from './event-hub.js';
import { negotiateEncoding } from './encoding.js';
import type { HubSink, SubscribeOptions } from './types.js';

export type StreamOptions = Omit<SubscribeOptions, 'open' | 'encoding'> & {
  /** The response's headers (Content-Type and the like). */
  readonly headers: Readonly<Record<string, string>>;
};

/**
 * A hub subscription as a streaming HTTP response (SSE, native or a peer's). Written to the
 * Node response directly: the hub needs its `write() === false` and 'drain' to leave a full
 * socket alone, and one write per batch costs a syscall, not a web-stream round trip.
 * Headers set by middleware before the route are kept. Without a Node response (Hono's
 * `app.request()` in tests), a ReadableStream with the same backpressure stands in.
 */
export async function serveEventStream(
  c: Context,
  hub: EventHub,
  options: StreamOptions,
): Promise<Response> {
  try {
    return await serve(c, hub, options);
  } catch (error) {
    if (error instanceof HubClosedError) throw new ApiError(503, 'shutting_down', error.message);
    throw error;
  }
}

async function serve(c: Context, hub: EventHub, options: StreamOptions): Promise<Response> {
  const { headers, ...rest } = options;
  const encoding = negotiateEncoding(c.req.header('accept-encoding'));
  const subscribe = { ...rest, encoding };
  const prepared = c.body(null, 200, {
    ...headers,
    Vary: 'Accept-Encoding',
    ...(encoding.name === 'identity' ? {} : { 'Content-Encoding': encoding.name }),
  });
  const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
  if (!outgoing) {
    const { sink, body } = streamSink();
    const subscription = await hub.subscribe({ ...subscribe, open: () => sink });
    body.closed = () => subscription.close();
    return new Response(body.stream, { status: 200, headers: prepared.headers });
  }
  const subscription = await hub.subscribe({
    ...subscribe,
    open: () => {
      const head: Record<string, string> = {};
      prepared.headers.forEach((value, name) => (head[name] = value));
      outgoing.writeHead(200, head);
      outgoing.flushHeaders();
      return outgoing;
    },
  });
  outgoing.once('close', () => subscription.close());
  return RESPONSE_ALREADY_SENT;
}

interface StreamBody {
  readonly stream: ReadableStream<Uint8Array>;
  /** Set by the caller: the reader went away. */
  closed: () => void;
}

function streamSink(): { sink: HubSink; body: StreamBody } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let drained: (() => void) | null = null;
  const body: StreamBody = {
    closed: () => {},
    stream: new ReadableStream<Uint8Array>(
      {
        start: (c) => void (controller = c),
        pull: () => {
          const listener = drained;
          drained = null;
          listener?.();
        },
        cancel: () => body.closed(),
      },
      { highWaterMark: 1 },
    ),
  };
  const sink: HubSink = {
    write(chunk) {
      controller.enqueue(chunk);
      return (controller.desiredSize ?? 0) > 0;
    },
    once(_event, listener) {
      drained = listener;
    },
    end: () => controller.close(),
    destroy: () => controller.error(new Error('the event stream was cut')),
  };
  return { sink, body };
}
