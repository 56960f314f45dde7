import type { WebSocket } from 'ws';
import type { HubSink } from './types.js';

/**
 * A WebSocket (the `ws` library) as a hub sink, for formats with 'message' framing: each
 * write is one text message. The socket counts as full while a message it was given has
 * not reached the operating system yet (its send callback), which is when the hub holds
 * back further batches for it.
 */
export function webSocketSink(socket: WebSocket): HubSink {
  let unsent = 0;
  let drained: (() => void) | null = null;
  const sent = () => {
    if (--unsent > 0) return;
    const listener = drained;
    drained = null;
    listener?.();
  };
  return {
    write(chunk) {
      unsent++;
      socket.send(chunk, { binary: false }, sent);
      return false;
    },
    once(_event, listener) {
      drained = listener;
    },
    // 1001: the server is going away (a shutdown) or lets a client go that fell behind.
    end: () => socket.close(1001),
    destroy: () => socket.terminate(),
  };
}
