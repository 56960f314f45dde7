import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { WebConfig } from '../config/web.js';
import type { Logger } from '../log/logger.js';
import type { RelayService } from '../relay/types.js';
import type { Store } from '../store/types.js';
import { authenticate } from './auth/authenticate.js';
import { PartLinks } from './auth/part-links.js';
import { ApiError, errorHandler } from './errors.js';
import { crossSiteGuard } from './guards/cross-site.js';
import { hostGuard } from './guards/host.js';
import type { EventHub } from './hub/event-hub.js';
import { serveOpenApi } from './openapi.js';
import { apiRouter } from './routes/contract.js';
import { eventRoutes } from './routes/events.js';
import { messageRoutes, type PartReader } from './routes/messages.js';
import { probeRoutes, PROBE_PATHS } from './routes/probes.js';
import { relayRoutes } from './routes/relay.js';
import { systemRoutes, type ServerInfo } from './routes/system.js';
import { staticUiRoutes } from './static-ui.js';
import { chaosRoutes } from './routes/chaos.js';
import { injectRoutes } from './routes/inject.js';
import { tagRoutes } from './routes/tags.js';
import { compatRoutes, isUntypedPeerJson } from './compat/index.js';
import type { Capture } from './compat/shapes.js';
import type { Chaos } from '../smtp/chaos.js';
import type { SluiceMetrics } from '../metrics/sluice-metrics.js';
import type { Webhooks } from '../webhooks/webhooks.js';
import { metricsRoutes } from './routes/metrics.js';
import { webhookRoutes } from './routes/webhooks.js';
import type { MessageWaiters } from './waiters.js';

export interface WebAppOptions {
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
  /** Pushes store events to every listener (SSE now; peers' streams and webhooks later). */
  readonly events: EventHub;
  readonly waiters: MessageWaiters;
  /** Sign-in, base path and extra host names (src/config/web.ts). */
  readonly web: WebConfig;
  /** Every Host name served (the Host guard); IP addresses are always served. */
  readonly hostNames: readonly string[];
  /** The configured webhooks, for GET /api/webhooks; none when absent. */
  readonly webhooks?: Webhooks;
  /** With --metrics: served at /metrics (behind the chain like everything else). */
  readonly metrics?: SluiceMetrics | null;
}

const MAX_REQUEST_BODY = 1024 * 1024;

/** Routes whose body is a whole message, limited like SMTP's DATA rather than like JSON. */
const MESSAGE_BODY_ROUTES = new Set(['POST /api/messages', 'POST /api/v1/send']);

/**
 * Every HTTP route, in one place, behind one chain that nothing goes around:
 * Host guard → cross-site guard → authentication → (role check per route) → route.
 * Everything lives under the base path (`/` or e.g. `/mail/`).
 */
export function createWebApp(options: WebAppOptions): Hono {
  const { logger, web } = options;
  const base = web.basePath;
  /** A request's path below the base path, as the routes see it (`/api/…`). */
  const inBase = (path: string) => (path.startsWith(base) ? path.slice(base.length - 1) : null);
  const root = new Hono();
  root.onError(errorHandler(logger));
  root.notFound((c) => c.json({ error: { code: 'not_found', message: 'Not found' } }, 404));

  const partLinks = new PartLinks();
  const isFramedImage = framedImages(base, partLinks);
  root.use('*', hostGuard({ names: options.hostNames }));
  root.use(
    '*',
    crossSiteGuard({
      isFramedImage,
      untypedJson: (method, path) => isUntypedPeerJson(method, inBase(path) ?? ''),
    }),
  );
  root.use(
    '*',
    authenticate({
      auth: web.auth,
      logger,
      isOpen: (c) => PROBE_PATHS.has(inBase(c.req.path) ?? '') || isFramedImage(c),
    }),
  );
  const small = requestBodyLimit(MAX_REQUEST_BODY);
  const large = requestBodyLimit(options.maxMessageSize);
  root.use('*', (c, next) =>
    (MESSAGE_BODY_ROUTES.has(`${c.req.method} ${inBase(c.req.path)}`) ? large : small)(c, next),
  );

  // The native routes are each defined once with a contract (routes/*-contract.ts); the
  // site gathers them into /api/openapi.json.
  const site = apiRouter();
  site.route('/', probeRoutes(options.store));
  if (options.metrics) site.route('/', metricsRoutes(options.metrics));
  serveOpenApi(site, { basePath: base, auth: web.auth });
  // The peers' dialects (src/web/compat), behind the chain above like everything else, and
  // before the native API, whose catch-all answers 404 for any other /api path. Another
  // dialect is one more line in compatRoutes(). A route that lets mail leave declares
  // requireRole('releaser') and records c.get('principal').name, as the native ones do.
  site.route('/', compatRoutes(options));
  site.route('/api', nativeApi(options, partLinks));
  site.route('/', staticUiRoutes({ basePath: base }));

  if (base === '/') return root.route('/', site);
  const prefix = base.slice(0, -1);
  root.get(prefix, (c) => c.redirect(base, 302));
  return root.route(prefix, site);
}

/** The native API under /api. */
function nativeApi(options: WebAppOptions, partLinks: PartLinks) {
  const { store } = options;
  const api = apiRouter();
  api.route('/', systemRoutes(store, options.info));
  api.route('/', relayRoutes(store, options.relay));
  api.route('/', injectRoutes(options.capture));
  api.route(
    '/',
    messageRoutes(store, options.parts, {
      basePath: options.web.basePath,
      imageLink: (path) => partLinks.sign(path),
      waiters: options.waiters,
    }),
  );
  api.route('/', tagRoutes(store));
  api.route('/', chaosRoutes(options.chaos));
  api.route('/', eventRoutes(options.events));
  if (options.webhooks) api.route('/', webhookRoutes(options.webhooks, store));
  api.all('*', (c) => {
    throw new ApiError(
      404,
      'not_found',
      `No API route ${c.req.method} ${c.req.path}; see ${options.web.basePath}api/openapi.json`,
    );
  });
  return api;
}

/**
 * The preview frame loading one of its message's images: a GET for a captured part, as an
 * image, with a valid signed link (see auth/part-links.ts).
 */
function framedImages(base: string, links: PartLinks): (c: Context) => boolean {
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const parts = new RegExp(`^${escaped}api/messages/\\d+/(cid|parts)/`);
  return (c) =>
    (c.req.method === 'GET' || c.req.method === 'HEAD') &&
    parts.test(c.req.path) &&
    ['image', undefined].includes(c.req.header('sec-fetch-dest')) &&
    links.verify(new URL(c.req.url).pathname, c.req.query('k'));
}

/** Bodies are read only by handlers that want one, and never past `maxSize`. */
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
