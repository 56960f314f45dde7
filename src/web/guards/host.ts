import { isIP } from 'node:net';
import type { MiddlewareHandler } from 'hono';
import { describeOption } from '../../config/errors.js';
import { ApiError } from '../errors.js';

export interface HostGuardOptions {
  /**
   * Host names served, lower case, without port; `*.example.com` allows every name under
   * example.com. IP addresses are always served (see below).
   */
  readonly names: readonly string[];
}

/**
 * Refuses requests for a Host this server does not know, on every address it listens on.
 * DNS rebinding works by pointing a name the attacker controls at this server: the browser
 * then sends that name as Host, and it is refused here. An IP address as Host cannot be
 * rebound (no DNS is involved, and a page at http://10.0.0.5/ *is* this server's origin), so
 * IP literals are always served: Docker's and Kubernetes' probes and `curl 10.0.0.5:8025`
 * keep working without configuration.
 */
export function hostGuard(options: HostGuardOptions): MiddlewareHandler {
  const exact = new Set(options.names.filter((n) => !n.startsWith('*.')));
  const suffixes = options.names.filter((n) => n.startsWith('*.')).map((n) => n.slice(1));
  const served = (name: string) =>
    isIP(name) !== 0 || exact.has(name) || suffixes.some((suffix) => name.endsWith(suffix));

  return async function checkHost(c, next) {
    const host = c.req.header('host') ?? '';
    const name = hostName(host);
    if (name === null || !served(name)) {
      throw new ApiError(
        403,
        'forbidden_host',
        `Host "${host.slice(0, 100)}" is not served here; if it is this server's name, add it to ${describeOption('http-allowed-hosts')}`,
      );
    }
    await next();
  };
}

/** The name in a Host header, lower case, without port, brackets or a final dot; null when malformed. */
export function hostName(host: string): string | null {
  const match = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9._-]+))(?::\d{1,5})?$/i.exec(host.trim());
  if (!match) return null;
  return (match[1] ?? match[2]!).toLowerCase().replace(/\.$/, '');
}
