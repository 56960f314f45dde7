import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../log/logger.js';
import type { RelayService } from '../relay/types.js';
import type { Store } from '../store/types.js';
import { ApiError, errorHandler } from './errors.js';
import { apiGuard, type GuardOptions } from './guards.js';
import { openApiDocument } from './openapi.js';
import { eventRoutes } from './routes/events.js';
import { messageRoutes, type PartReader } from './routes/messages.js';
import { relayRoutes } from './routes/relay.js';
import { systemRoutes, type ServerInfo } from './routes/system.js';
import { staticUiRoutes } from './static-ui.js';
import { chaosRoutes } from './routes/chaos.js';
import { injectRoutes } from './routes/inject.js';
import { tagRoutes } from './routes/tags.js';
import { compatRoutes, isUntypedPeerJson } from './compat/index.js';
import type { Capture } from './compat/shapes.js';
import type { Chaos } from '../smtp/chaos.js';

export interface WebAppOptions extends GuardOptions {
  readonly store: Store;
  readonly parts: PartReader;
  readonly logger: Logger;
  readonly info: () => ServerInfo;
  /** Stores a message through the SMTP side's ingest (inject and send routes). */
  readonly capture: Capture;
  /** SMTP fault injection, shared with the listener. */
  readonly chaos: Chaos;
  /** The send and inject routes take bodies up to this (the SMTP message size limit). */
  readonly maxMessageSize: number;
  /** The relay's operations; without it the relay routes answer that the relay is off. */
  readonly relay?: RelayService;
}

const MAX_REQUEST_BODY = 1024 * 1024;

/** Routes whose body is a whole message, limited like SMTP's DATA rather than like JSON. */
const MESSAGE_BODY_ROUTES = new Set(['POST /api/messages', 'POST /api/v1/send']);

/** Every HTTP route, in one place. */
export function createWebApp(options: WebAppOptions): Hono {
  const { store, logger } = options;
  const api = new Hono();
  api.get('/openapi.json', (c) => c.json(openApiDocument));
  api.route('/', systemRoutes(store, options.info));
  api.route('/', relayRoutes(store, options.relay));
  api.route('/', injectRoutes(options.capture));
  api.route('/', messageRoutes(store, options.parts));
  api.route('/', tagRoutes(store));
  api.route('/', chaosRoutes(options.chaos));
  api.route('/', eventRoutes(store));
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
  // One chain in front of every route, native and peer dialects alike.
  app.use('*', apiGuard({ ...options, untypedJson: isUntypedPeerJson }));
  const small = requestBodyLimit(MAX_REQUEST_BODY);
  const large = requestBodyLimit(options.maxMessageSize);
  app.use('*', (c, next) =>
    (MESSAGE_BODY_ROUTES.has(`${c.req.method} ${c.req.path}`) ? large : small)(c, next),
  );
  app.route('/', compatRoutes(options));
  app.route('/api', api);
  app.route('/', staticUiRoutes());
  return app;
}

function requestBodyLimit(maxSize: number) {
  return bodyLimit({
    maxSize,
    onError: (c) => {
      // The unread body is still on the socket; without this the client reuses a
      // connection the server is about to drop, and its next request fails.
      c.header('Connection', 'close');
      throw new ApiError(
        413,
        'payload_too_large',
        `Request bodies are limited to ${maxSize} bytes`,
      );
    },
  });
}
