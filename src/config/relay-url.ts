import { RelayConfigError, type Upstream, type UpstreamTls } from './relay-types.js';

const STARTTLS_MODES: Readonly<Record<string, UpstreamTls>> = {
  required: 'starttls',
  opportunistic: 'opportunistic',
  none: 'none',
};

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
  // Own keys only: "toString" or "constructor" must not find something on the prototype.
  // A plain word is shown; anything else may be the tail of a password holding "?starttls=".
  if (url.protocol === 'smtp:' && !Object.hasOwn(STARTTLS_MODES, starttls))
    fail(
      `${/^[A-Za-z]{1,20}$/.test(starttls) ? `starttls=${starttls}` : 'the starttls value'} is not one of required, opportunistic, none`,
    );
  const tls: UpstreamTls = url.protocol === 'smtps:' ? 'tls' : STARTTLS_MODES[starttls]!;
  // The value is a secret (or next to one): say which part is wrong, never what it holds.
  const decode = (part: string, what: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return fail(`the ${what} has a bad %-escape (write a % itself as %25)`);
    }
  };
  const user = decode(url.username, 'user name');
  const password = decode(url.password, 'password');
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
