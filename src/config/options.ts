/**
 * Every user-visible setting, in one table. `--help`, environment variables and
 * config-file keys are all derived from it, so they cannot drift apart.
 */
export interface OptionSpec {
  /** Flag name without the leading dashes; also the config-file key. */
  readonly name: string;
  readonly env: string;
  readonly kind: 'string' | 'boolean';
  /** Default as the user would type it; `undefined` means "not set". */
  readonly default: string | undefined;
  readonly valueName?: string;
  readonly help: string;
  /** The value holds passwords or tokens: no message, log line or page ever shows it. */
  readonly secret?: boolean;
}

const option = (
  name: string,
  spec: Omit<OptionSpec, 'name' | 'env' | 'kind'> & { kind?: OptionSpec['kind'] },
): OptionSpec => ({
  name,
  env: 'SLUICE_' + name.toUpperCase().replaceAll('-', '_'),
  kind: spec.kind ?? 'string',
  ...spec,
});

export const OPTIONS: readonly OptionSpec[] = [
  option('smtp', {
    default: '127.0.0.1:1025',
    valueName: 'HOST:PORT',
    help: 'Plain SMTP listener. It offers STARTTLS only with --smtp-tls-cert or --smtp-require-tls, so clients that upgrade on their own stay plain. Port 0 picks a free port.',
  }),
  option('smtp-starttls', {
    default: '127.0.0.1:1587',
    valueName: 'HOST:PORT',
    help: 'SMTP listener that offers STARTTLS (Django EMAIL_USE_TLS). off turns it off.',
  }),
  option('smtps', {
    default: '127.0.0.1:1465',
    valueName: 'HOST:PORT',
    help: 'Implicit-TLS SMTP listener (Django EMAIL_USE_SSL). off turns it off.',
  }),
  option('http', {
    default: '127.0.0.1:8025',
    valueName: 'HOST:PORT',
    help: 'Web inbox and HTTP API. Port 0 picks a free port.',
  }),
  option('db', {
    default: undefined,
    valueName: 'PATH|URL',
    help: 'SQLite database file, :memory: to keep nothing, or a PostgreSQL URL (postgres://user:pass@host/db) that several Sluice instances share as one inbox. Default: $XDG_DATA_HOME/sluice/sluice.db (~/.local/share/sluice/sluice.db).',
  }),
  option('tenant', {
    default: undefined,
    valueName: 'NAME',
    help: "With a PostgreSQL --db: this team's own inbox, apart from other teams on the same database (schema sluice_NAME; names as Mailpit's --tenant-id takes them).",
  }),
  option('config', {
    default: undefined,
    valueName: 'FILE',
    help: 'YAML config file; its keys are the option names below (e.g. max-messages: 1000).',
  }),
  option('hostname', {
    default: 'sluice',
    valueName: 'NAME',
    help: 'Name in the SMTP greeting and in generated certificates.',
  }),
  option('smtp-auth', {
    default: undefined,
    valueName: 'USER:PASS,...',
    secret: true,
    help: 'Require SMTP AUTH with these credentials. Without it, AUTH is optional and any credentials are accepted.',
  }),
  option('smtp-auth-file', {
    default: undefined,
    valueName: 'FILE',
    help: 'Like --smtp-auth, one USER:PASS per line (# starts a comment).',
  }),
  option('smtp-tls-cert', {
    default: undefined,
    valueName: 'FILE',
    help: 'PEM certificate for the TLS listeners; with it --smtp offers STARTTLS too. Default: one issued by a local CA that Sluice creates beside the database (sluice tls ca).',
  }),
  option('smtp-tls-key', {
    default: undefined,
    valueName: 'FILE',
    help: 'PEM private key for --smtp-tls-cert.',
  }),
  option('smtp-require-tls', {
    kind: 'boolean',
    default: 'false',
    help: 'Offer STARTTLS on --smtp too, and refuse AUTH (538) and MAIL FROM (530) until the client has used it.',
  }),
  option('max-message-size', {
    default: '50MB',
    valueName: 'SIZE',
    help: 'Largest message accepted (552 beyond it). Units: B, KB, MB, GB.',
  }),
  option('max-recipients', {
    default: '1000',
    valueName: 'N',
    help: 'Recipients per message (452 beyond it).',
  }),
  option('max-connections', {
    default: '200',
    valueName: 'N',
    help: 'Concurrent SMTP connections (421 beyond it).',
  }),
  option('smtp-idle-timeout', {
    default: '60s',
    valueName: 'DURATION',
    help: 'Close an SMTP connection idle this long. Units: ms, s, m, h.',
  }),
  option('smtp-command-timeout', {
    default: '30s',
    valueName: 'DURATION',
    help: 'A command line must arrive whole within this from its first byte (421 otherwise), however slowly its bytes trickle in.',
  }),
  option('smtp-min-data-rate', {
    default: '1KB',
    valueName: 'SIZE',
    help: 'Slowest DATA accepted, per second, averaged from the DATA command after --smtp-idle-timeout of grace (421 otherwise).',
  }),
  option('max-inflight-bytes', {
    default: 'auto',
    valueName: 'SIZE',
    help: 'Message data held in memory across all SMTP sessions; past it a new DATA is answered 451 (the client retries). auto = 1/16 of RAM, from 64MB to 1GB.',
  }),
  option('max-messages', {
    default: '50000',
    valueName: 'N',
    help: 'Keep at most this many messages; the oldest go first. 0 = unlimited.',
  }),
  option('max-age', {
    default: '0',
    valueName: 'DURATION',
    help: 'Delete messages older than this (e.g. 7d, 12h). 0 = keep forever.',
  }),
  option('max-db-size', {
    default: '0',
    valueName: 'SIZE',
    help: 'Stop accepting mail (452, the client retries) when the database reaches this size. 0 = no limit.',
  }),
  option('max-waiters', {
    default: '5000',
    valueName: 'N',
    help: 'Concurrent GET /api/messages/wait requests (503 with Retry-After beyond it).',
  }),
  option('enable-chaos', {
    kind: 'boolean',
    default: 'false',
    help: 'Allow SMTP fault injection, set through /api/chaos, Mailpit /api/v1/chaos or MailHog Jim (/api/v2/jim).',
  }),
  option('relay-lease', {
    default: '5m',
    valueName: 'DURATION',
    help: 'How long after an instance stops renewing a relay send (it died or froze mid-send) the send is taken over: by another instance sharing a PostgreSQL --db. Renewed every third of it while the send runs.',
  }),
  option('log-level', {
    default: 'info',
    valueName: 'LEVEL',
    help: 'One of debug, info, warn, error, silent.',
  }),
  option('http-auth-file', {
    default: undefined,
    valueName: 'FILE',
    help: 'Require sign-in on the inbox, API and events: an htpasswd file (bcrypt as htpasswd -B writes it, $apr1$, {SHA}, or plain USER:PASS lines). Users are readers unless named in --http-releasers.',
  }),
  option('http-auth', {
    default: undefined,
    valueName: 'USER:PASS,...',
    secret: true,
    help: 'Like --http-auth-file, plain passwords inline, for quick setups.',
  }),
  option('http-tokens-file', {
    default: undefined,
    valueName: 'FILE',
    help: 'API tokens for test suites and CI, one NAME:TOKEN per line (16+ characters, e.g. openssl rand -hex 24); send Authorization: Bearer TOKEN. NAME is recorded as who acted.',
  }),
  option('http-tokens', {
    default: undefined,
    valueName: 'NAME:TOKEN,...',
    secret: true,
    help: 'Like --http-tokens-file, inline (e.g. from a CI secret).',
  }),
  option('http-releasers', {
    default: undefined,
    valueName: 'NAME,...',
    help: 'Users and tokens with the releaser role: release, approve, reject, retry, cancel and verify relay mail. * = everyone signed in. Everyone else is a reader (list, read, search, mark, delete, events).',
  }),
  option('http-allowed-hosts', {
    default: undefined,
    valueName: 'NAME,...',
    help: "Host names the HTTP side answers to besides localhost, IP addresses, the bind address, this machine's hostname and --hostname (e.g. the name a reverse proxy uses; *.example.com for a domain). Other names are refused (DNS rebinding).",
  }),
  option('http-insecure-no-auth', {
    kind: 'boolean',
    default: 'false',
    help: 'Start on a non-loopback --http with the relay on and no sign-in. Anyone who reaches the port can read every message and send mail through your upstream.',
  }),
  option('http-tls-cert', {
    default: undefined,
    valueName: 'FILE',
    help: 'PEM certificate: serve the inbox and API over HTTPS.',
  }),
  option('http-tls-key', {
    default: undefined,
    valueName: 'FILE',
    help: 'PEM private key for --http-tls-cert.',
  }),
  option('http-base-path', {
    default: '/',
    valueName: 'PATH',
    help: 'Serve the inbox, API, events and assets under this path (e.g. /mail/ behind a reverse proxy that keeps the prefix).',
  }),
  option('webhook', {
    default: undefined,
    valueName: 'URL',
    help: 'POST a signed JSON summary of every stored message to this URL (more, with filters, under webhooks: in --config). Loopback and private addresses are refused without --webhook-allow-private.',
  }),
  option('webhook-secret', {
    default: undefined,
    valueName: 'SECRET',
    secret: true,
    help: 'Key of the Sluice-Signature header (HMAC-SHA256) on --webhook deliveries.',
  }),
  option('webhook-filter', {
    default: undefined,
    valueName: 'QUERY',
    help: 'Deliver to --webhook only the messages this search matches (e.g. to:@example.com).',
  }),
  option('webhook-allow-private', {
    kind: 'boolean',
    default: 'false',
    help: 'Let every webhook target loopback, private and link-local addresses (a receiver on this machine or network).',
  }),
  option('metrics', {
    kind: 'boolean',
    default: 'false',
    help: 'Serve Prometheus metrics at /metrics (behind sign-in when it is on).',
  }),
];

export function findOption(name: string): OptionSpec | undefined {
  return OPTIONS.find((o) => o.name === name);
}
