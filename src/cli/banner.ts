import type { AddressInfo } from 'node:net';
import type { RunningAddresses } from '../app.js';
import type { Config } from '../config/config.js';
import { tlsFiles } from '../smtp/local-ca.js';

/** The startup lines for the SMTP listeners and the CA that clients may trust. */
export function smtpBannerLines(
  config: Config,
  addresses: RunningAddresses,
  host: (address: AddressInfo) => string,
): string[] {
  const at = (address: AddressInfo) => `${host(address)}:${address.port}`;
  const plain = config.tls.required
    ? 'STARTTLS required'
    : config.tls.starttlsOnSmtp
      ? 'STARTTLS offered'
      : 'plain, no STARTTLS';
  const ca = config.tls.certFile ? null : (tlsFiles(config.db)?.caCert ?? null);
  return [
    `  SMTP   ${at(addresses.smtp)}  (${plain}; AUTH ${config.smtpAuth.mode})`,
    ...(addresses.starttls ? [`         ${at(addresses.starttls)}  (STARTTLS)`] : []),
    ...(addresses.smtps ? [`  SMTPS  ${at(addresses.smtps)}  (implicit TLS)`] : []),
    ...(ca ? [`  CA     ${ca}  (to trust it: sluice tls trust)`] : []),
  ];
}
