import type { AddressInfo } from 'node:net';
import type { RunningAddresses } from './app.js';
import type { Config } from './config/config.js';

export interface BannerOptions {
  readonly version: string;
  readonly config: Config;
  readonly addresses: RunningAddresses;
  /** This machine's name: what other machines and containers may reach it by. */
  readonly hostname: string;
}

const ALL_INTERFACES = new Set(['0.0.0.0', '::', '']);

/** What `sluice` prints once it listens: where mail goes, where to read it, how to point an app. */
export function banner(options: BannerOptions): string {
  const { config, addresses } = options;
  const smtp = addresses.smtp;
  const everywhere = (address: AddressInfo) =>
    ALL_INTERFACES.has(address.address) ? 'all interfaces, other machines can reach it; ' : '';
  const lines = [
    `Sluice ${options.version} is capturing mail.`,
    `  SMTP   ${hostPort(smtp)}  (${everywhere(smtp)}STARTTLS offered${config.tls.required ? ', required' : ''}; AUTH ${config.smtpAuth.mode})`,
    ...(addresses.smtps
      ? [`  SMTPS  ${hostPort(addresses.smtps)}  (${everywhere(addresses.smtps)}implicit TLS)`]
      : []),
    `  Inbox  http://${hostPort(addresses.http, 'localhost')}/${ALL_INTERFACES.has(addresses.http.address) ? '  (all interfaces)' : ''}`,
    `  Data   ${config.db}`,
    '',
    `Point your app at it, e.g. Django: EMAIL_HOST=${appHost(smtp)} EMAIL_PORT=${smtp.port}`,
    // 0.0.0.0 is where it listens, not an address to send to: from elsewhere (another
    // container, a VM, a phone) the app needs this machine's name or address.
    ...(ALL_INTERFACES.has(smtp.address)
      ? [
          `  From another machine or container: EMAIL_HOST=${options.hostname} (or this host's address)`,
        ]
      : []),
    '',
  ];
  return lines.join('\n');
}

/** The host an app on this machine sends to: the bound address, or localhost for all of them. */
function appHost(address: AddressInfo): string {
  return ALL_INTERFACES.has(address.address) ? 'localhost' : address.address;
}

function hostPort(address: AddressInfo, wildcard?: string): string {
  const host =
    wildcard && ALL_INTERFACES.has(address.address) ? wildcard : address.address || '0.0.0.0';
  return `${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
