import type { RelayConfig } from '../config/relay.js';
import type { Logger } from '../log/logger.js';
import type { OutboxChange, OutboxId, Store } from '../store/types.js';
import { OutboxStateError, RelayOffError } from './errors.js';
import { compileReleasePolicy } from './release.js';
import { compileRules, ruleInput, type RuleSet } from './rules.js';
import { UpstreamChecks } from './status.js';
import type { PublicUpstream, RelayService, RelayStatus } from './types.js';
import { OutboxWorker, type OutboxWorkerOptions } from './worker.js';

export interface RelayOptions {
  readonly config: RelayConfig;
  readonly store: Store;
  readonly logger: Logger;
  /** How long a send may take before the entry is claimed again (--relay-lease). */
  readonly leaseMs: number;
  /** Hears the outcome of every relay attempt, per recipient (src/metrics). */
  readonly onAttempt?: OutboxWorkerOptions['onAttempt'];
}

export interface Relay extends RelayService {
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Manual release, explanations and the outbox worker; off unless upstreams are configured.
 * The rules' decision for new mail is not taken here but in the store's thread, in the
 * transaction that stores the message (src/relay/decide.ts).
 */
export function createRelay(options: RelayOptions): Relay {
  const { config, store, logger } = options;
  if (config.mode === 'off') return offRelay(store);
  const rules = compileRules(config.rules);
  const planRelease = compileReleasePolicy({
    rules,
    releaseTo: config.releaseTo,
    defaultUpstream: config.upstreams[0]!.name,
  });
  const checks = new UpstreamChecks(config.upstreams);
  const status = (): RelayStatus => ({
    mode: 'on',
    upstreams: config.upstreams.map((u, i) => ({
      ...publicUpstream(u),
      verify: checks.last()[i]!,
    })),
    rules: config.rules.map(({ name, action, match, rewrite, upstream }) => ({
      name,
      action,
      match,
      rewrite,
      upstream,
    })),
    releaseTo: config.releaseTo,
  });
  const worker = new OutboxWorker({
    store,
    upstreams: config.upstreams,
    retry: config.retry,
    logger,
    leaseMs: options.leaseMs,
    onAttempt: options.onAttempt,
  });

  const service: Relay = {
    enabled: true,
    start: () => worker.start(),
    close: () => worker.close(),
    status: async () => status(),
    async verify() {
      await checks.verifyNow();
      return status();
    },
    async explain(id) {
      const message = await store.getMessage(id);
      return {
        mode: 'on',
        decisions: rules(ruleInput(message)),
        outbox: await store.getOutboxHistory(id),
      };
    },
    release: async (id, request) =>
      store.addOutboxEntries(planRelease(await store.getMessage(id), request)),
    approve: (ids, by) =>
      store.changeOutboxState({ messageIds: ids, from: ['held'], to: 'queued', by }),
    reject: (ids, by) =>
      store.changeOutboxState({ messageIds: ids, from: ['held'], to: 'cancelled', by }),
    retry: (id, by) =>
      changeOne(store, { ids: [id], from: ['queued', 'failed', 'held'], to: 'queued', by }),
    cancel: (id, by) =>
      changeOne(store, { ids: [id], from: ['held', 'queued', 'failed'], to: 'cancelled', by }),
  };
  return service;
}

async function changeOne(store: Store, change: OutboxChange & { ids: [OutboxId] }) {
  const [changed] = await store.changeOutboxState(change);
  if (changed) return changed;
  const [id] = change.ids;
  const entry = await store.getOutboxEntry(id);
  throw new OutboxStateError(
    `outbox entry ${id} is ${entry.state}; only ${change.from.join(', ')} entries can be ${change.to === 'queued' ? 'retried' : 'cancelled'}`,
  );
}

function publicUpstream(
  u: Extract<RelayConfig, { mode: 'on' }>['upstreams'][number],
): PublicUpstream {
  return {
    name: u.name,
    host: u.host,
    port: u.port,
    tls: u.tls,
    insecure: u.insecure,
    caFile: u.caFile,
    auth: u.auth.method,
    envelopeFrom: u.envelopeFrom,
    from: u.from,
    rateLimit: u.rateLimit,
    maxConnections: u.maxConnections,
    ehloName: u.ehloName,
  };
}

/** Relay not configured: explanations still work (everything is captured), releases do not. */
function offRelay(store: Store): Relay {
  const off = async (): Promise<never> => {
    throw new RelayOffError();
  };
  const rules: RuleSet = compileRules([]);
  return {
    // Mail captured while the relay is off has no outbox entries: turning it on sends none of it.
    start: async () => {},
    close: async () => {},
    enabled: false,
    status: async () => ({ mode: 'off' }),
    verify: off,
    async explain(id) {
      const message = await store.getMessage(id);
      return {
        mode: 'off',
        decisions: rules(ruleInput(message)).map((d) => ({ ...d, reason: 'the relay is off' })),
        outbox: await store.getOutboxHistory(id),
      };
    },
    release: off,
    approve: off,
    reject: off,
    retry: off,
    cancel: off,
  };
}
