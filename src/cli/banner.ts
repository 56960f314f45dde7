import type { AddressInfo } from 'node:net';
import type { RunningAddresses } from '../app.js';
import { describeDatabase, type Config } from '../config/config.js';
import { tlsFiles } from '../smtp/local-ca.js';

export interface BannerOptions {
  readonly version: string;
  readonly config: Config;
  readonly addresses: RunningAddresses;
  /** This machine's name: what other machines and containers may reach it by. */
  readonly hostname: string;
}

const ALL_INTERFACES = new Set(['0.0.0.0', '::', '']);
const everywhere = (address: AddressInfo) => ALL_INTERFACES.has(address.address);

/** What `sluice` prints once it listens: where mail goes, where to read it, how to point an app. */
export function banner(options: BannerOptions): string {
  const { config, addresses } = options;
  const smtp = addresses.smtp;
  const lines = [
    `Sluice ${options.version} is capturing mail.`,
    ...smtpBannerLines(config, addresses),
    `  Inbox  ${inboxUrl(config, addresses.http)}  (${everywhere(addresses.http) ? 'all interfaces; ' : ''}sign-in ${config.web.auth.mode})`,
    `  Data   ${describeDatabase(config)}`,
    '',
    `Point your app at it, e.g. Django: EMAIL_HOST=${appHost(smtp)} EMAIL_PORT=${smtp.port}`,
    // 0.0.0.0 is where it listens, not an address to send to: from elsewhere (another
    // container, a VM, a phone) the app needs this machine's name or address.
    ...(everywhere(smtp)
      ? [
          `  From another machine or container: EMAIL_HOST=${options.hostname} (or this host's address)`,
        ]
      : []),
    '',
  ];
  return lines.join('\n');
}

/** The startup lines for the SMTP listeners and the CA that clients may trust. */
export function smtpBannerLines(config: Config, addresses: RunningAddresses): string[] {
  // A listener on every interface says so: other machines can send to it too.
  const note = (address: AddressInfo, what: string) =>
    `(${everywhere(address) ? 'all interfaces, other machines can reach it; ' : ''}${what})`;
  const plain = config.tls.required
    ? 'STARTTLS required'
    : config.tls.starttlsOnSmtp
      ? 'STARTTLS offered'
      : 'plain, no STARTTLS';
  const ca = config.tls.certFile ? null : (tlsFiles(config.db)?.caCert ?? null);
  const { smtp, starttls, smtps } = addresses;
  return [
    `  SMTP   ${hostPort(smtp)}  ${note(smtp, `${plain}; AUTH ${config.smtpAuth.mode}`)}`,
    ...(starttls ? [`         ${hostPort(starttls)}  ${note(starttls, 'STARTTLS')}`] : []),
    ...(smtps ? [`  SMTPS  ${hostPort(smtps)}  ${note(smtps, 'implicit TLS')}`] : []),
    ...(ca ? [`  CA     ${ca}  (to trust it: sluice tls trust)`] : []),
  ];
}

/** The inbox's address as a browser on this machine opens it. */
function inboxUrl(config: Config, http: AddressInfo): string {
  return `${config.web.tls ? 'https' : 'http'}://${hostPort(http, 'localhost')}${config.web.basePath}`;
}

/** The host an app on this machine sends to: the bound address, or localhost for all of them. */
function appHost(address: AddressInfo): string {
  return everywhere(address) ? 'localhost' : address.address;
}

/** `host:port`, IPv6 in brackets; `wildcard` stands in for an all-interfaces address. */
function hostPort(address: AddressInfo, wildcard?: string): string {
  const host = wildcard && everywhere(address) ? wildcard : address.address || '0.0.0.0';
  return `${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
