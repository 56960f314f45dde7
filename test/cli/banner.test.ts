import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { banner } from '../../src/cli/banner.js';
import { loadConfig, type Config } from '../../src/config/config.js';

function configOf(argv: string[]): Config {
  const command = loadConfig({ argv: [...argv, '--db', ':memory:'], env: {} });
  if (command.kind !== 'run') throw new Error('expected a run command');
  return command.config;
}

const at = (address: string, port: number): AddressInfo => ({
  address,
  port,
  family: address.includes(':') ? 'IPv6' : 'IPv4',
});

describe('the banner', () => {
  it('gives an app the loopback address Sluice listens on', () => {
    const text = banner({
      version: '1.0.0',
      config: configOf([]),
      addresses: {
        smtp: at('127.0.0.1', 1025),
        starttls: null,
        smtps: null,
        http: at('127.0.0.1', 8025),
      },
      hostname: 'devbox',
    });
    expect(text).toContain('  SMTP   127.0.0.1:1025  (plain, no STARTTLS; AUTH optional)\n');
    expect(text).toContain('  Inbox  http://127.0.0.1:8025/  (sign-in off)\n');
    expect(text).toContain('EMAIL_HOST=127.0.0.1 EMAIL_PORT=1025\n');
    expect(text).not.toContain('all interfaces');
  });

  // `--smtp :2525` and the Docker image listen on every interface. 0.0.0.0 is not an
  // address to send to: the app gets localhost, and other machines this host's name.
  it('says when it listens on all interfaces and never tells an app to send to 0.0.0.0', () => {
    const text = banner({
      version: '1.0.0',
      config: configOf(['--smtp', ':2525', '--http', '0.0.0.0:8025']),
      addresses: {
        smtp: at('0.0.0.0', 2525),
        starttls: at('0.0.0.0', 2587),
        smtps: at('::', 2465),
        http: at('0.0.0.0', 8025),
      },
      hostname: '3f2c9a1b7d4e',
    });
    expect(text).toContain(
      '  SMTP   0.0.0.0:2525  (all interfaces, other machines can reach it; plain, no STARTTLS; AUTH optional)\n',
    );
    expect(text).toContain(
      '         0.0.0.0:2587  (all interfaces, other machines can reach it; STARTTLS)\n',
    );
    expect(text).toContain('  SMTPS  [::]:2465  (all interfaces, other machines can reach it;');
    expect(text).toContain('  Inbox  http://localhost:8025/  (all interfaces; sign-in off)\n');
    expect(text).toContain('EMAIL_HOST=localhost EMAIL_PORT=2525\n');
    expect(text).toContain(
      "From another machine or container: EMAIL_HOST=3f2c9a1b7d4e (or this host's address)",
    );
    expect(text).not.toContain('EMAIL_HOST=0.0.0.0');
  });
});
