import type { Config } from './config.js';
import { ConfigError, describeOption } from './errors.js';
import type { Listen } from './values.js';

/** Addresses only this machine can reach. Anything else (0.0.0.0, ::, a LAN address) is exposed. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase();
  return (
    name === 'localhost' ||
    name === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) ||
    /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)
  );
}

const where = (listen: Listen) =>
  `${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${listen.port}`;

const SIGN_IN = () =>
  `${describeOption('http-auth-file')} FILE (an htpasswd file; htpasswd -cB FILE alice), or ${describeOption('http-auth')} USER:PASS`;

/**
 * An exposed inbox with the relay on is an open relay that leaks every message: refuse to
 * start, and say exactly what to add.
 */
export function refuseOpenExposure(config: Config): void {
  const { web, relay, http } = config;
  if (isLoopbackHost(http.host) || web.auth.mode === 'on' || relay.mode === 'off') return;
  if (web.insecureNoAuth) return;
  throw new ConfigError(
    `--http ${where(http)} can be reached from other machines and the relay is on, but no one has to sign in: ` +
      `anyone who reaches the port could read every message and send mail through your upstream. ` +
      `Add ${SIGN_IN()} and name who may release with ${describeOption('http-releasers')}; ` +
      `or listen on loopback (--http 127.0.0.1:${http.port}); ` +
      `or, if something in front already checks who is calling, add ${describeOption('http-insecure-no-auth')}.`,
  );
}

/** What the operator should know at startup about who can reach what. */
export function exposureWarnings(config: Config): string[] {
  const { web, relay, http, smtpAuth } = config;
  const warnings: string[] = [];
  const exposedHttp = !isLoopbackHost(http.host);
  if (exposedHttp && web.auth.mode === 'off') {
    warnings.push(
      relay.mode === 'on'
        ? `${describeOption('http-insecure-no-auth')}: the inbox and API on ${where(http)} need no sign-in, and the relay is on: anyone who reaches the port can read every message and send mail through your upstream`
        : `the inbox and API on ${where(http)} need no sign-in: anyone who reaches the port can read and delete every captured message. Add ${SIGN_IN()}`,
    );
  }
  if (web.auth.mode === 'on' && web.insecureNoAuth)
    warnings.push(
      `${describeOption('http-insecure-no-auth')} has no effect: sign-in is configured`,
    );
  if (exposedHttp && web.auth.mode === 'on' && !web.tls) {
    warnings.push(
      `passwords and tokens reach ${where(http)} in clear text: serve HTTPS with ${describeOption('http-tls-cert')} and ${describeOption('http-tls-key')}, or put a TLS reverse proxy in front`,
    );
  }
  for (const listen of [config.smtp, config.smtps]) {
    if (!listen || isLoopbackHost(listen.host) || smtpAuth.mode === 'required') continue;
    warnings.push(
      `SMTP on ${where(listen)} takes mail from anyone who reaches it, with any sender${relay.mode === 'on' ? ', and the relay rules may send it on' : ''}. Add ${describeOption('smtp-auth')} or ${describeOption('smtp-auth-file')}`,
    );
  }
  return warnings;
}
