import { RelayConfigError, type Upstream, type UpstreamTls } from './relay-types.js';

/** `smtps://user:pass@host:465` or `smtp://host:587?starttls=required|opportunistic|none`. */
export function parseRelayUrl(text: string): Upstream {
  const fail = (why: string): never => {
    throw new RelayConfigError(
      `SLUICE_RELAY_URL: ${why}; expected smtps://USER:PASS@HOST:465 or smtp://HOST:587?starttls=required`,
    );
  };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('not a URL');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    fail(`the scheme must be smtp or smtps, not ${url.protocol.replace(':', '')}`);
  if (!url.hostname) fail('no host');
  const starttls = url.searchParams.get('starttls') ?? 'required';
  const modes: Record<string, UpstreamTls> = {
    required: 'starttls',
    opportunistic: 'opportunistic',
    none: 'none',
  };
  if (url.protocol === 'smtp:' && !(starttls in modes))
    fail(`starttls=${starttls} is not one of required, opportunistic, none`);
  const tls: UpstreamTls = url.protocol === 'smtps:' ? 'tls' : modes[starttls]!;
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  if (user && !password) fail('a user needs a password');
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    name: 'default',
    host: hostname,
    port: url.port ? Number(url.port) : tls === 'tls' ? 465 : 587,
    tls,
    insecure: url.searchParams.get('insecure') === 'true',
    ca: null,
    caFile: null,
    auth: user ? { method: 'plain', user, password } : { method: 'none' },
    envelopeFrom: null,
    from: null,
    rateLimit: null,
    maxConnections: 2,
    ehloName: null,
  };
}
