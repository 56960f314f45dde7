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
  option('enable-chaos', {
    kind: 'boolean',
    default: 'false',
    help: 'Allow SMTP fault injection, set through /api/chaos, Mailpit /api/v1/chaos or MailHog Jim (/api/v2/jim).',
  }),
  option('relay-lease', {
    default: '5m',
    valueName: 'DURATION',
    help: 'How long a relay send may take before it is sent again: by another instance sharing a PostgreSQL --db when this one dies mid-send. Longer than any upstream takes to answer.',
  }),
  option('log-level', {
    default: 'info',
    valueName: 'LEVEL',
    help: 'One of debug, info, warn, error, silent.',
  }),
];

export function findOption(name: string): OptionSpec | undefined {
  return OPTIONS.find((o) => o.name === name);
}
