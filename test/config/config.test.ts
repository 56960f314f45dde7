import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  describeDatabase,
  helpText,
  loadConfig,
  type Config,
} from '../../src/config/config.js';
import { OPTIONS } from '../../src/config/options.js';

function run(
  argv: string[],
  env: Record<string, string> = {},
  files: Record<string, string> = {},
): Config {
  const command = loadConfig({
    argv,
    env: { HOME: '/home/dev', ...env },
    readFile: (path) => {
      if (!(path in files)) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return files[path]!;
    },
  });
  if (command.kind !== 'run') throw new Error(`expected run, got ${command.kind}`);
  return command.config;
}

function failure(
  argv: string[],
  env: Record<string, string> = {},
  files: Record<string, string> = {},
): string {
  try {
    run(argv, env, files);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('defaults', () => {
  it('listens on loopback at the conventional ports with a persistent database', () => {
    const config = run([]);
    expect(config.smtp).toEqual({ host: '127.0.0.1', port: 1025 });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8025 });
    expect(config.starttls).toEqual({ host: '127.0.0.1', port: 1587 });
    expect(config.smtps).toEqual({ host: '127.0.0.1', port: 1465 });
    expect(config.tls.starttlsOnSmtp).toBe(false);
    expect(config.db).toBe('/home/dev/.local/share/sluice/sluice.db');
    expect(config.database).toEqual({ engine: 'sqlite' });
    expect(config.smtpAuth).toEqual({ mode: 'optional' });
    expect(config.limits.maxMessageSize).toBe(50 * 1024 * 1024);
    expect(config.retention).toEqual({ maxMessages: 50_000, maxAgeMs: 0, maxDatabaseBytes: 0 });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.limits)).toBe(true);
  });

  it('follows XDG_DATA_HOME', () => {
    expect(run([], { XDG_DATA_HOME: '/xdg' }).db).toBe('/xdg/sluice/sluice.db');
  });
});

describe('precedence: flag > env > config file > default', () => {
  const files = {
    '/etc/sluice.yaml': 'smtp: 127.0.0.1:2000\nhttp: 127.0.0.1:2001\nmax-messages: 7\n',
  };

  it('reads the config file', () => {
    const config = run(['--config', '/etc/sluice.yaml'], {}, files);
    expect(config.smtp.port).toBe(2000);
    expect(config.retention.maxMessages).toBe(7);
  });

  it('lets env override the file and flags override env', () => {
    const config = run(
      ['--config', '/etc/sluice.yaml', '--smtp', '127.0.0.1:3000'],
      { SLUICE_SMTP: '127.0.0.1:4000', SLUICE_HTTP: '127.0.0.1:4001' },
      files,
    );
    expect(config.smtp.port).toBe(3000);
    expect(config.http.port).toBe(4001);
  });

  it('takes the config path from SLUICE_CONFIG', () => {
    expect(run([], { SLUICE_CONFIG: '/etc/sluice.yaml' }, files).smtp.port).toBe(2000);
  });
});

describe('values', () => {
  it.each([
    [['--smtp', '0.0.0.0:25'], (c: Config) => c.smtp, { host: '0.0.0.0', port: 25 }],
    [['--smtp', '[::1]:0'], (c: Config) => c.smtp, { host: '::1', port: 0 }],
    [['--smtps', '127.0.0.1:1465'], (c: Config) => c.smtps, { host: '127.0.0.1', port: 1465 }],
    [['--db', ':memory:'], (c: Config) => [c.db, c.database], [':memory:', { engine: 'sqlite' }]],
    [
      ['--db', 'postgres://sluice:secret@db.internal/mail', '--tenant', 'Team A'],
      (c: Config) => [c.db, c.database, describeDatabase(c)],
      [
        // Sluice's own files (the local CA) stay in the data directory.
        '/home/dev/.local/share/sluice/sluice.db',
        { engine: 'postgres', url: 'postgres://sluice:secret@db.internal/mail', tenant: 'Team A' },
        'postgres://sluice:***@db.internal/mail (tenant Team A)',
      ],
    ],
    [['--max-message-size', '10KB'], (c: Config) => c.limits.maxMessageSize, 10_240],
    [['--max-message-size', '1.5mb'], (c: Config) => c.limits.maxMessageSize, 1_572_864],
    [['--smtp-idle-timeout', '90'], (c: Config) => c.limits.idleTimeoutMs, 90_000],
    [['--max-age', '7d'], (c: Config) => c.retention.maxAgeMs, 7 * 86_400_000],
    [['--max-messages', '0'], (c: Config) => c.retention.maxMessages, 0],
    [['--smtp-require-tls'], (c: Config) => c.tls.required, true],
  ] as const)('%j', (argv, pick, expected) => {
    expect(pick(run([...argv]))).toEqual(expected);
  });

  it('reads credentials from the flag and the file; passwords may contain colons', () => {
    const config = run(
      ['--smtp-auth', 'alice:pw1,bob:p:w', '--smtp-auth-file', '/users'],
      {},
      { '/users': '# team\ncarol:pw3\n\n' },
    );
    expect(config.smtpAuth.mode).toBe('required');
    if (config.smtpAuth.mode !== 'required') return;
    expect([...config.smtpAuth.users]).toEqual([
      ['carol', 'pw3'],
      ['alice', 'pw1'],
      ['bob', 'p:w'],
    ]);
  });

  it('reads boolean env values', () => {
    expect(run([], { SLUICE_SMTP_REQUIRE_TLS: 'yes' }).tls.required).toBe(true);
  });
});

describe('bad values stop startup naming the option, its env var and what is allowed', () => {
  it.each([
    [['--smtp', 'localhost'], '--smtp (SLUICE_SMTP): "localhost" is not valid: expected HOST:PORT'],
    [['--http', '127.0.0.1:70000'], '--http (SLUICE_HTTP)'],
    [
      ['--max-message-size', 'lots'],
      '--max-message-size (SLUICE_MAX_MESSAGE_SIZE): "lots" is not valid: expected a size',
    ],
    [['--max-message-size', '0'], 'must be greater than 0'],
    [['--max-recipients=-1'], '--max-recipients (SLUICE_MAX_RECIPIENTS): "-1" is not valid'],
    [
      ['--max-age', 'forever'],
      '--max-age (SLUICE_MAX_AGE): "forever" is not valid: expected a duration',
    ],
    [['--log-level', 'loud'], 'expected one of debug, info, warn, error, silent'],
    [['--smtp-auth', 'nocolon'], 'entry 1 is not USER:PASSWORD'],
    [['--smtp-tls-cert', '/c.pem'], '--smtp-tls-key (SLUICE_SMTP_TLS_KEY) must be set too'],
    [['--hostname', 'bad name'], '--hostname (SLUICE_HOSTNAME)'],
    [['--no-such-flag'], 'Run sluice --help'],
    [['--smtp-auth-file', '/missing'], 'cannot read /missing'],
    [['--db', 'postgres://'], '--db (SLUICE_DB): "postgres://" is not valid: expected postgres://'],
    [['--tenant', 'team'], '--tenant (SLUICE_TENANT) needs a PostgreSQL --db (SLUICE_DB)'],
    [['--db', 'postgres://h/d', '--tenant', 'x'.repeat(49)], 'expected a name of 1 to 48'],
  ])('%j', (argv, message) => {
    expect(failure([...argv])).toContain(message);
  });

  it('names the env var when the env value is bad', () => {
    expect(failure([], { SLUICE_MAX_MESSAGES: 'many' })).toContain(
      '--max-messages (SLUICE_MAX_MESSAGES): "many"',
    );
  });

  it('rejects unknown config file keys and bad YAML', () => {
    expect(failure(['--config', '/c.yaml'], {}, { '/c.yaml': 'smpt: 1\n' })).toContain(
      'unknown key "smpt"',
    );
    expect(failure(['--config', '/c.yaml'], {}, { '/c.yaml': 'smtp: [1\n' })).toContain('/c.yaml');
  });
});

describe('as people type them', () => {
  it('takes a boolean flag with a value: --smtp-require-tls=false and =true', () => {
    expect(run(['--smtp-require-tls=false'], { SLUICE_SMTP_REQUIRE_TLS: 'yes' }).tls.required).toBe(
      false,
    );
    expect(run(['--smtp-require-tls=true']).tls.required).toBe(true);
    expect(run(['--smtp-require-tls']).tls.required).toBe(true);
    expect(failure(['--smtp-require-tls=maybe'])).toBe(
      '--smtp-require-tls (SLUICE_SMTP_REQUIRE_TLS): "maybe" is not valid: expected true or false',
    );
  });

  it('checks a negative number after a flag as that option value', () => {
    expect(failure(['--max-messages', '-1'])).toBe(
      '--max-messages (SLUICE_MAX_MESSAGES): "-1" is not valid: expected a whole number (0 or more)',
    );
  });

  it('suggests the option meant by a misspelt flag, config key or SLUICE_ variable', () => {
    expect(failure(['--max-mesages', '5'])).toContain(
      "Unknown option '--max-mesages'. Did you mean --max-messages?",
    );
    expect(failure(['--config', '/c.yaml'], {}, { '/c.yaml': 'smpt: 1\n' })).toContain(
      'unknown key "smpt". Did you mean smtp?',
    );
    expect(failure([], { SLUICE_SMTP_REQUIRE_TSL: 'true' })).toBe(
      'SLUICE_SMTP_REQUIRE_TSL is not a Sluice setting. Did you mean SLUICE_SMTP_REQUIRE_TLS? (sluice --help lists them all)',
    );
  });

  it('leaves SLUICE_ variables alone that are not a misspelling or that the config names', () => {
    expect(run([], { SLUICE_CORPUS: '/corpus', SLUICE_SOMETHING_ELSE: '1' }).smtp.port).toBe(1025);
    const relay =
      'relay:\n  upstreams:\n    - { name: up, host: mx.example, user: u, password_env: SLUICE_HTTPS }\n';
    const config = run(['--config', '/r.yaml'], { SLUICE_HTTPS: 'secret' }, { '/r.yaml': relay });
    expect(config.relay.mode).toBe('on');
  });
});

describe('--help', () => {
  it('lists every option with its env name and default', () => {
    const text = helpText('1.2.3');
    for (const option of OPTIONS) {
      expect(text).toContain(`--${option.name}`);
      expect(text).toContain(option.env);
      if (option.default !== undefined) expect(text).toContain(`default ${option.default}`);
    }
  });

  it('is what -h and --help ask for', () => {
    expect(loadConfig({ argv: ['-h'], env: {} }).kind).toBe('help');
    expect(loadConfig({ argv: ['--version'], env: {} }).kind).toBe('version');
  });
});
