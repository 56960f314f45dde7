import type { Store } from '../../store/types.js';
import { apiRouter } from './contract.js';
import { getInfo } from './system-contract.js';

/** What /api/info tells about the running server, besides the store's numbers. */
export interface ServerInfo {
  readonly version: string;
  readonly smtp: { readonly host: string; readonly port: number };
  /** The listener that always offers STARTTLS. */
  readonly starttls: { readonly host: string; readonly port: number } | null;
  readonly smtps: { readonly host: string; readonly port: number } | null;
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly basePath: string;
    readonly tls: boolean;
    /** Whether people sign in; never who may or with what. */
    readonly auth: 'on' | 'off';
  };
  readonly tls: {
    /** Whether the plain `smtp` listener offers STARTTLS too. */
    readonly starttls: boolean;
    readonly required: boolean;
    readonly certificate: string;
    /** The local CA's certificate file, for clients to trust; null with --smtp-tls-cert. */
    readonly ca: string | null;
  };
  /** The command that runs `sluice sendmail` here (PHP's sendmail_path), when known. */
  readonly sendmail: string | null;
  readonly auth: { readonly mode: 'optional' | 'required'; readonly methods: readonly string[] };
  readonly limits: {
    readonly maxMessageSize: number;
    readonly maxRecipients: number;
    readonly maxConnections: number;
  };
  readonly retention: {
    readonly maxMessages: number;
    readonly maxAgeSeconds: number;
    readonly maxDatabaseBytes: number;
  };
  readonly database: { readonly path: string };
  readonly relay: { readonly mode: 'on' | 'off' };
}

export function systemRoutes(store: Store, info: () => ServerInfo) {
  const app = apiRouter();
  app.openapi(getInfo, async (c) => {
    const stats = await store.stats();
    const server = info();
    return c.json(
      {
        ...server,
        messages: { total: stats.total, unread: stats.unread },
        database: { ...server.database, bytes: stats.databaseBytes },
        // Who is asking and what they may do, so the inbox can say why an action is refused.
        principal: c.get('principal'),
      },
      200,
    );
  });
  return app;
}
