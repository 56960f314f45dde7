import { readFileSync } from 'node:fs';
import { homedir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { normalizeArgv } from './argv.js';
import { misspeltVariable, referencedVariables } from './env-names.js';
import { ConfigError } from './errors.js';
import { findOption, OPTIONS, type OptionSpec } from './options.js';
import { parseRelayConfig, RelayConfigError, type RelayConfig } from './relay.js';
import { didYouMean } from './suggest.js';
import {
  parseBoolean,
  parseCount,
  parseCredentials,
  parseDuration,
  parseListen,
  parseOneOf,
  parseOptionalListen,
  parseSize,
  type Listen,
} from './values.js';
import { readWebConfig, type WebConfig } from './web.js';
import { readWebhookConfig, type Webhook } from './webhooks.js';

export { ConfigError } from './errors.js';
export type { Listen } from './values.js';
export type { RelayConfig, RelayRule, Upstream } from './relay.js';
export type { WebAuth, WebConfig } from './web.js';
export type { Webhook } from './webhooks.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export type SmtpAuth =
  | { readonly mode: 'optional' }
  | { readonly mode: 'required'; readonly users: ReadonlyMap<string, string> };

/** The engine --db names: the SQLite file `db`, or a PostgreSQL database instances share. */
export type DatabaseConfig =
  | { readonly engine: 'sqlite' }
  | {
      readonly engine: 'postgres';
      readonly url: string;
      /** --tenant: the team whose mailbox this is, in a schema of its own; null = shared. */
      readonly tenant: string | null;
    };

export interface Config {
  /** Plain SMTP; it offers STARTTLS only when `tls.starttlsOnSmtp`. */
  readonly smtp: Listen;
  /** SMTP that always offers STARTTLS. */
  readonly starttls: Listen | null;
  /** Implicit TLS from the first byte. */
  readonly smtps: Listen | null;
  readonly http: Listen;
  /** Sign-in, roles, Host names, HTTPS and the base path of the HTTP side. */
  readonly web: WebConfig;
  /**
   * Absolute path of the SQLite file, or ':memory:'. Its folder also holds Sluice's own
   * files (the local CA and TLS certificate); with a PostgreSQL database, which has no file,
   * it is the default file's path in the data directory, for those files.
   */
  readonly db: string;
  readonly database: DatabaseConfig;
  readonly hostname: string;
  readonly smtpAuth: SmtpAuth;
  readonly tls: {
    readonly certFile: string | null;
    readonly keyFile: string | null;
    readonly required: boolean;
    /**
     * Whether --smtp offers STARTTLS: only with a certificate the user chose, or when TLS is
     * required. Clients such as nodemailer, ruby-mail and Symfony Mailer upgrade whenever it
     * is offered and then verify the certificate, so a plain port must not offer it.
     */
    readonly starttlsOnSmtp: boolean;
  };
  readonly limits: {
    readonly maxMessageSize: number;
    readonly maxRecipients: number;
    readonly maxConnections: number;
    readonly idleTimeoutMs: number;
    readonly commandTimeoutMs: number;
    /** Bytes per second. */
    readonly minDataRate: number;
    readonly maxInflightBytes: number;
    /** Pending /api/messages/wait requests. */
    readonly maxWaiters: number;
  };
  readonly retention: {
    readonly maxMessages: number;
    readonly maxAgeMs: number;
    /** Bytes; 0 = no limit. */
    readonly maxDatabaseBytes: number;
  };
  readonly logLevel: LogLevel;
  /** SMTP fault injection may be switched on through the API (src/smtp/chaos.ts). */
  readonly enableChaos: boolean;
  /** How long an outbox entry being sent stays with its sender before it is sent again. */
  readonly relayLeaseMs: number;
  /** The `relay:` section of the config file and SLUICE_RELAY_URL; off unless configured. */
  readonly relay: RelayConfig;
  /** The `webhooks:` list of the config file and --webhook (src/webhooks). */
  readonly webhooks: readonly Webhook[];
  /** Serve Prometheus metrics at /metrics. */
  readonly metrics: boolean;
}

export interface ConfigSources {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a file named by a setting; injectable for tests. */
  readonly readFile?: (path: string) => string;
}

export type CliCommand = { kind: 'help' } | { kind: 'version' } | { kind: 'run'; config: Config };

/** Parses argv, env and the config file (in that order of precedence) into a frozen Config. */
export function loadConfig(sources: ConfigSources): CliCommand {
  const readFile = sources.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const flags = parseFlags(sources.argv);
  if (flags.help) return { kind: 'help' };
  if (flags.version) return { kind: 'version' };

  const configPath = flags.values.get('config') ?? sources.env[findOption('config')!.env];
  const file = configPath
    ? readConfigFile(configPath, readFile)
    : { values: new Map<string, string>(), relay: undefined, webhooks: undefined };
  const fileValues = file.values;
  const misspelt = misspeltVariable(sources.env, referencedVariables(file.relay));
  if (misspelt) {
    throw new ConfigError(
      `${misspelt.name} is not a Sluice setting. Did you mean ${misspelt.meant}? (sluice --help lists them all)`,
    );
  }

  const raw = (name: string): string | undefined => {
    const spec = findOption(name)!;
    return flags.values.get(name) ?? sources.env[spec.env] ?? fileValues.get(name) ?? spec.default;
  };
  const setting = <T>(name: string, parse: (text: string) => T): T => {
    const spec = findOption(name)!;
    const text = raw(name) ?? '';
    try {
      return parse(text);
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      // A secret's value is never repeated: not on a terminal, not in CI logs.
      const shown = spec.secret ? 'the value (not shown: it holds secrets)' : `"${text}"`;
      throw new ConfigError(
        `${describe(spec)}: ${shown} is not valid: ${(error as Error).message}`,
      );
    }
  };
  const optional = <T>(name: string, parse: (text: string) => T): T | null =>
    raw(name) === undefined || raw(name) === '' ? null : setting(name, parse);
  const fileContents = (path: string) => {
    try {
      return readFile(path);
    } catch (error) {
      throw new Error(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
  };

  const inlineUsers = optional('smtp-auth', (t) => parseCredentials(t, 'inline'));
  const fileUsers = optional('smtp-auth-file', (path) =>
    parseCredentials(fileContents(path), 'file'),
  );
  const users = new Map([...(fileUsers ?? []), ...(inlineUsers ?? [])]);

  const certFile = optional('smtp-tls-cert', (p) => resolve(p));
  const required = setting('smtp-require-tls', parseBoolean);
  const tls = {
    certFile,
    keyFile: optional('smtp-tls-key', (p) => resolve(p)),
    required,
    starttlsOnSmtp: certFile !== null || required,
  };
  if ((tls.certFile === null) !== (tls.keyFile === null)) {
    throw new ConfigError(
      `${describe(findOption(tls.certFile ? 'smtp-tls-key' : 'smtp-tls-cert')!)} must be set too: a certificate and its key go together`,
    );
  }

  const config: Config = {
    smtp: setting('smtp', parseListen),
    starttls: setting('smtp-starttls', parseOptionalListen),
    smtps: setting('smtps', parseOptionalListen),
    http: setting('http', parseListen),
    web: readWebConfig({ setting, optional, file: fileContents }),
    ...databaseSetting(setting('db', parseDatabase), optional('tenant', parseTenant), sources.env),
    hostname: setting('hostname', (text) => {
      if (!/^[A-Za-z0-9.-]{1,253}$/.test(text))
        throw new Error('expected a host name (letters, digits, dots, dashes)');
      return text;
    }),
    smtpAuth: users.size > 0 ? { mode: 'required', users } : { mode: 'optional' },
    tls,
    limits: {
      maxMessageSize: setting('max-message-size', positive(parseSize)),
      maxRecipients: setting('max-recipients', positive(parseCount)),
      maxConnections: setting('max-connections', positive(parseCount)),
      idleTimeoutMs: setting('smtp-idle-timeout', positive(parseDuration)),
      commandTimeoutMs: setting('smtp-command-timeout', positive(parseDuration)),
      minDataRate: setting('smtp-min-data-rate', positive(parseSize)),
      maxInflightBytes: setting('max-inflight-bytes', (text) =>
        text === 'auto' ? autoInflightBytes() : positive(parseSize)(text),
      ),
      maxWaiters: setting('max-waiters', positive(parseCount)),
    },
    retention: {
      maxMessages: setting('max-messages', parseCount),
      maxAgeMs: setting('max-age', parseDuration),
      maxDatabaseBytes: setting('max-db-size', parseSize),
    },
    logLevel: setting('log-level', parseOneOf(LOG_LEVELS)),
    enableChaos: setting('enable-chaos', parseBoolean),
    relayLeaseMs: setting('relay-lease', positive(parseDuration)),
    relay: relaySetting(file.relay, sources.env, readFile),
    webhooks: readWebhookConfig({
      read: { setting, optional, file: fileContents },
      section: file.webhooks,
      env: sources.env,
    }),
    metrics: setting('metrics', parseBoolean),
  };
  return { kind: 'run', config: deepFreeze(config) };
}

function relaySetting(
  section: unknown,
  env: ConfigSources['env'],
  readFile: (path: string) => string,
): RelayConfig {
  try {
    return parseRelayConfig({ section, url: env.SLUICE_RELAY_URL, env, readFile });
  } catch (error) {
    if (error instanceof RelayConfigError) throw new ConfigError(error.message);
    throw error;
  }
}

function positive<T extends number>(parse: (text: string) => T) {
  return (text: string): T => {
    const value = parse(text);
    if (value <= 0) throw new Error('must be greater than 0');
    return value;
  };
}

/**
 * --max-inflight-bytes auto: with large messages streamed to the database, a session holds
 * about 512 KB at most, so this bounds the many small messages in DATA at once.
 */
function autoInflightBytes(): number {
  const MB = 1024 * 1024;
  return Math.min(1024 * MB, Math.max(64 * MB, Math.floor(totalmem() / 16)));
}

function describe(spec: OptionSpec): string {
  return `--${spec.name} (${spec.env})`;
}

function defaultDataDir(env: ConfigSources['env']): string {
  const dataHome = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return join(dataHome, 'sluice');
}

const DATABASE_URL = /^postgres(ql)?:\/\//i;
/** Tenants become schema and channel names, which PostgreSQL limits to 63 bytes. */
const MAX_TENANT_LENGTH = 48;

/** A PostgreSQL URL as given, a file path, or '' for the default file. */
function parseDatabase(text: string): { url: string } | { path: string } {
  if (!DATABASE_URL.test(text)) return { path: text };
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    // reported below
  }
  if (!url || (url.hostname === '' && url.pathname.length <= 1))
    throw new Error('expected postgres://user:password@host:port/database');
  return { url: text };
}

function parseTenant(text: string): string {
  const name = text.trim();
  if (name === '' || name.length > MAX_TENANT_LENGTH)
    throw new Error(`expected a name of 1 to ${MAX_TENANT_LENGTH} characters`);
  return name;
}

function databaseSetting(
  db: { url: string } | { path: string },
  tenant: string | null,
  env: ConfigSources['env'],
): Pick<Config, 'db' | 'database'> {
  const defaultPath = join(defaultDataDir(env), 'sluice.db');
  if ('url' in db)
    return { db: defaultPath, database: { engine: 'postgres', url: db.url, tenant } };
  if (tenant !== null) {
    throw new ConfigError(
      `${describe(findOption('tenant')!)} needs a PostgreSQL ${describe(findOption('db')!)}: with SQLite, give each team a file of its own`,
    );
  }
  const path = db.path === ':memory:' ? db.path : resolve(db.path || defaultPath);
  return { db: path, database: { engine: 'sqlite' } };
}

/** The database as it may be shown: the file, or the URL without its password. */
export function describeDatabase(config: Pick<Config, 'db' | 'database'>): string {
  const { database } = config;
  if (database.engine === 'sqlite') return config.db;
  const url = new URL(database.url);
  if (url.password) url.password = '***';
  return database.tenant === null
    ? url.toString()
    : `${url.toString()} (tenant ${database.tenant})`;
}

function parseFlags(argv: readonly string[]) {
  const { args, booleans } = normalizeArgv(argv);
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: false,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        ...Object.fromEntries(OPTIONS.map((o) => [o.name, { type: o.kind }])),
      },
    });
  } catch (error) {
    const unknown = /^Unknown option '--([^']+)'/.exec((error as Error).message)?.[1];
    const hint = unknown
      ? didYouMean(
          unknown,
          OPTIONS.map((o) => o.name),
        ).replace(/ (\S+)\?$/, ' --$1?')
      : '';
    throw new ConfigError(
      `${(error as Error).message.replace(/\.$/, '')}.${hint} Run sluice --help for the list of options.`,
    );
  }
  const values = new Map<string, string>(booleans);
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value !== undefined) values.set(name, String(value));
  }
  return { values, help: values.get('help') === 'true', version: values.get('version') === 'true' };
}

function readConfigFile(
  path: string,
  readFile: (path: string) => string,
): { values: Map<string, string>; relay: unknown; webhooks: unknown } {
  const where = `--config (${findOption('config')!.env}) ${path}`;
  let document: unknown;
  try {
    document = parseYaml(readFile(path));
  } catch (error) {
    throw new ConfigError(`${where}: ${(error as Error).message}`);
  }
  if (document === null || document === undefined)
    return { values: new Map(), relay: undefined, webhooks: undefined };
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError(`${where}: expected a mapping of option names to values`);
  }
  const values = new Map<string, string>();
  let relay: unknown;
  let webhooks: unknown;
  for (const [key, value] of Object.entries(document)) {
    // The nested sections: upstreams, rules and webhooks do not fit flags or env vars.
    if (key === 'relay') {
      relay = value ?? {};
      continue;
    }
    if (key === 'webhooks') {
      webhooks = value ?? [];
      continue;
    }
    if (!findOption(key) || key === 'config') {
      const keys = [...OPTIONS.map((o) => o.name).filter((name) => name !== 'config'), 'relay'];
      throw new ConfigError(
        `${where}: unknown key "${key}".${didYouMean(key, keys)} Keys are the option names of sluice --help.`,
      );
    }
    if (value !== null && typeof value === 'object') {
      throw new ConfigError(`${where}: "${key}" must be a single value`);
    }
    values.set(key, String(value));
  }
  return { values, relay, webhooks };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Map)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

export function helpText(version: string): string {
  const lines = [
    `sluice ${version}: SMTP capture server with a live web inbox`,
    '',
    'Usage: sluice [options]',
    '       sluice relay verify [options]   connect and authenticate to each relay upstream',
    '       sluice tls ca|trust [options]   print the local CA, or how to trust it',
    '       sluice sendmail [flags] [to...] hand a message on stdin to a running Sluice',
    '       sluice healthcheck [options]    exit 0 when the server these options describe is ready',
    '',
    'Point an app at the SMTP port and open the HTTP address in a browser.',
    'Every option can also be set by its environment variable or a --config file key.',
    'Precedence: flag > environment > config file > default.',
    '',
    'Options:',
  ];
  for (const spec of OPTIONS) {
    const flag = `--${spec.name}${spec.kind === 'boolean' ? '' : ' ' + (spec.valueName ?? 'VALUE')}`;
    lines.push(`  ${flag}`);
    lines.push(`      ${spec.help}`);
    lines.push(
      `      env ${spec.env}${spec.default !== undefined ? `, default ${spec.default}` : ''}`,
    );
  }
  lines.push('  -h, --help      Show this help.', '  -v, --version   Show the version.');
  return lines.join('\n') + '\n';
}
