import { sectionSchema, type UpstreamInput } from './relay-schema.js';
import {
  RelayConfigError,
  type RelayConfig,
  type RelayRule,
  type RelaySources,
  type Upstream,
  type UpstreamAuth,
} from './relay-types.js';
import { parseRelayUrl } from './relay-url.js';

export * from './relay-types.js';
export { parseRelayUrl } from './relay-url.js';

export function parseRelayConfig(sources: RelaySources): RelayConfig {
  if (sources.section === undefined && !sources.url) return { mode: 'off' };
  const parsed = sectionSchema.safeParse(sources.section ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = ['relay', ...issue.path]
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '');
    throw new RelayConfigError(`${where}: ${issue.message}`);
  }
  const section = parsed.data;
  const upstreams = section.upstreams.map((u, i) =>
    toUpstream(u, `relay.upstreams[${i}]`, sources),
  );
  if (sources.url) upstreams.unshift(parseRelayUrl(sources.url));
  const names = new Set<string>();
  for (const u of upstreams) {
    if (names.has(u.name))
      throw new RelayConfigError(`relay.upstreams: the name "${u.name}" is used twice`);
    names.add(u.name);
  }
  if (upstreams.length === 0) {
    throw new RelayConfigError(
      'relay.upstreams: at least one upstream is needed (or SLUICE_RELAY_URL)',
    );
  }
  const rules = section.rules.map((rule, i): RelayRule => {
    const upstream = rule.upstream ?? upstreams[0]!.name;
    if (!names.has(upstream)) {
      throw new RelayConfigError(
        `relay.rules[${i}].upstream: no upstream named "${upstream}"; known: ${[...names].join(', ')}`,
      );
    }
    return {
      name: rule.name ?? `rule ${i + 1}`,
      match: rule.match,
      action: rule.action,
      rewrite: rule.rewrite ?? null,
      upstream,
    };
  });
  return {
    mode: 'on',
    upstreams,
    rules,
    releaseTo: section.release_to,
    retry: {
      initialMs: section.retry.initial ?? 30_000,
      maxMs: section.retry.max ?? 3_600_000,
      maxAgeMs: section.retry.max_age ?? 86_400_000,
    },
  };
}

const PRESETS = {
  gmail: () => ({ host: 'smtp.gmail.com', port: 465, tls: 'tls' as const }),
  ses: (region: string) => ({
    host: `email-smtp.${region}.amazonaws.com`,
    port: 587,
    tls: 'starttls' as const,
  }),
};

function toUpstream(input: UpstreamInput, where: string, sources: RelaySources): Upstream {
  if (input.preset === 'ses' && !input.region)
    throw new RelayConfigError(`${where}.region: the ses preset needs a region, e.g. eu-west-1`);
  const preset = input.preset ? PRESETS[input.preset](input.region ?? '') : undefined;
  const host = input.host ?? preset?.host;
  if (!host) throw new RelayConfigError(`${where}.host: required (or a preset: gmail, ses)`);
  const tls = input.tls ?? preset?.tls ?? 'starttls';
  const port = input.port ?? preset?.port ?? (tls === 'tls' ? 465 : 587);
  const read = (path: string, key: string) => {
    try {
      return sources.readFile(path);
    } catch (error) {
      throw new RelayConfigError(
        `${where}.${key}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      );
    }
  };
  const method = input.auth ?? (input.user ? 'plain' : 'none');
  let auth: UpstreamAuth = { method: 'none' };
  if (method !== 'none') {
    if (!input.user) throw new RelayConfigError(`${where}.user: auth ${method} needs a user`);
    // Secrets never go in the config file: each comes from NAME_file or NAME_env.
    const secret = (name: 'password' | 'client_secret' | 'refresh_token'): string => {
      const file = input[`${name}_file`];
      const env = input[`${name}_env`];
      if (file) return read(file, `${name}_file`).replace(/\r?\n$/, '');
      if (env) {
        const value = sources.env[env];
        if (value === undefined)
          throw new RelayConfigError(
            `${where}.${name}_env: the environment variable ${env} is not set`,
          );
        return value;
      }
      throw new RelayConfigError(
        `${where}: auth ${method} needs ${name}_file or ${name}_env (secrets never go in the config file)`,
      );
    };
    if (method === 'xoauth2') {
      if (!input.client_id)
        throw new RelayConfigError(`${where}.client_id: auth xoauth2 needs a client_id`);
      auth = {
        method,
        user: input.user,
        clientId: input.client_id,
        clientSecret: secret('client_secret'),
        refreshToken: secret('refresh_token'),
        accessUrl: input.access_url ?? null,
      };
    } else {
      auth = { method, user: input.user, password: secret('password') };
    }
  }
  return {
    name: input.name,
    host,
    port,
    tls,
    insecure: input.insecure,
    ca: input.ca_file ? read(input.ca_file, 'ca_file') : null,
    caFile: input.ca_file ?? null,
    auth,
    envelopeFrom: input.envelope_from ?? null,
    from: input.from ?? null,
    rateLimit: input.rate_limit ?? null,
    maxConnections: input.max_connections,
    ehloName: input.ehlo_name ?? null,
  };
}
