import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../log/logger.js';
import type { RelayService } from '../relay/types.js';
import type { Store } from '../store/types.js';
import { ApiError, errorHandler } from './errors.js';
import { apiGuard, type GuardOptions } from './guards.js';
import type { EventHub } from './hub/event-hub.js';
import { openApiDocument } from './openapi.js';
import { eventRoutes } from './routes/events.js';
import { messageRoutes, type PartReader } from './routes/messages.js';
import { relayRoutes } from './routes/relay.js';
import { systemRoutes, type ServerInfo } from './routes/system.js';
import { staticUiRoutes } from './static-ui.js';
import type { MessageWaiters } from './waiters.js';

export interface WebAppOptions extends GuardOptions {
  readonly store: Store;
  readonly parts: PartReader;
  readonly logger: Logger;
  readonly info: () => ServerInfo;
  /** The relay's operations; without it the relay routes answer that the relay is off. */
  readonly relay?: RelayService;
  /** Pushes store events to every listener (SSE now; peers' streams and webhooks later). */
  readonly events: EventHub;
  readonly waiters: MessageWaiters;
}

const MAX_REQUEST_BODY = 1024 * 1024;

/** Every HTTP route, in one place. */
export function createWebApp(options: WebAppOptions): Hono {
  const { store, logger } = options;
  const api = new Hono();
  api.use('*', apiGuard(options));
  api.use(
    '*',
    bodyLimit({
      maxSize: MAX_REQUEST_BODY,
      onError: (c) => {
        // The unread body is still on the socket; without this the client reuses a
        // connection the server is about to drop, and its next request fails.
        c.header('Connection', 'close');
        throw new ApiError(
          413,
          'payload_too_large',
          `Request bodies are limited to ${MAX_REQUEST_BODY} bytes`,
        );
      },
    }),
  );
  api.get('/openapi.json', (c) => c.json(openApiDocument));
  api.route('/', systemRoutes(store, options.info));
  api.route('/', relayRoutes(store, options.relay));
  api.route('/', messageRoutes(store, options.parts, options.waiters));
  api.route('/', eventRoutes(options.events));
  api.all('*', (c) => {
    throw new ApiError(
      404,
      'not_found',
      `No API route ${c.req.method} ${c.req.path}; see /api/openapi.json`,
    );
  });

  const app = new Hono();
  app.onError(errorHandler(logger));
  app.notFound((c) => c.json({ error: { code: 'not_found', message: 'Not found' } }, 404));
  app.route('/api', api);
  app.route('/', staticUiRoutes());
  return app;
}
