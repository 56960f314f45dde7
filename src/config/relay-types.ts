/** The relay section of the configuration, as the rest of Sluice sees it. */

export type UpstreamTls = 'tls' | 'starttls' | 'opportunistic' | 'none';
export const UPSTREAM_TLS_MODES: readonly UpstreamTls[] = [
  'tls',
  'starttls',
  'opportunistic',
  'none',
];

export type UpstreamAuth =
  | { readonly method: 'none' }
  | {
      readonly method: 'plain' | 'login' | 'cram-md5';
      readonly user: string;
      /** A secret: never shown by the API, the UI or a log line. */
      readonly password: string;
    }
  | {
      readonly method: 'xoauth2';
      readonly user: string;
      readonly clientId: string;
      /** Secrets: never shown by the API, the UI or a log line. */
      readonly clientSecret: string;
      readonly refreshToken: string;
      /** The token endpoint; null = Google's. */
      readonly accessUrl: string | null;
    };

export interface Upstream {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly tls: UpstreamTls;
  /** Skip certificate verification; off unless set explicitly. */
  readonly insecure: boolean;
  /** PEM of extra trusted CAs, read from `ca_file`. */
  readonly ca: string | null;
  readonly caFile: string | null;
  readonly auth: UpstreamAuth;
  /** MAIL FROM sent upstream instead of the captured envelope sender. */
  readonly envelopeFrom: string | null;
  /** From header sent upstream; the original is kept in X-Original-From. */
  readonly from: string | null;
  /** Messages per second; null = unlimited. */
  readonly rateLimit: number | null;
  readonly maxConnections: number;
  readonly ehloName: string | null;
}

export type RuleAction = 'relay' | 'hold' | 'capture';

/** A pattern as written: a glob (`*@example.com`) or `/regex/flags`. Compiled by src/relay. */
export type Pattern = string;

export interface RelayRule {
  /** The name the API shows when explaining a decision; `rule N` when not given. */
  readonly name: string;
  readonly match: {
    readonly recipient?: Pattern;
    readonly sender?: Pattern;
    readonly subject?: Pattern;
    readonly header?: { readonly name: string; readonly value: Pattern };
  };
  readonly action: RuleAction;
  /** Send to this one address instead of the recipient. */
  readonly rewrite: string | null;
  /** Name of the upstream; the first one when not given. */
  readonly upstream: string;
}

export type RelayConfig =
  | { readonly mode: 'off' }
  | {
      readonly mode: 'on';
      readonly upstreams: readonly Upstream[];
      readonly rules: readonly RelayRule[];
      /**
       * Patterns (glob or /regex/) of addresses a person may release a message to besides its
       * own envelope recipients; empty = only those. Capture rules still apply on top.
       */
      readonly releaseTo: readonly Pattern[];
      readonly retry: {
        readonly initialMs: number;
        readonly maxMs: number;
        readonly maxAgeMs: number;
      };
    };

export interface RelaySources {
  /** The `relay:` section of the config file, unparsed. */
  readonly section: unknown;
  /** SLUICE_RELAY_URL. */
  readonly url: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readFile: (path: string) => string;
}

/** Where a problem is, for the error message: `relay.upstreams[0].port`. */
export class RelayConfigError extends Error {
  override name = 'RelayConfigError';
}

/** The `relay:` section plus SLUICE_RELAY_URL into a frozen-ready RelayConfig. */
