import type { RelayConfig } from '../config/relay.js';
import type { Logger } from '../log/logger.js';
import type { OutboxId, Store } from '../store/types.js';
import { checkAddress } from './addresses.js';
import {
  InvalidAddressError,
  OutboxStateError,
  RelayDeniedError,
  RelayOffError,
} from './errors.js';
import { compileRules, ruleInput, type RuleSet } from './rules.js';
import type { PublicUpstream, RelayService, RelayStatus } from './types.js';
import { verifyUpstreams } from './verify.js';
import { OutboxWorker } from './worker.js';

export interface RelayOptions {
  readonly config: RelayConfig;
  readonly store: Store;
  readonly logger: Logger;
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
  const worker = new OutboxWorker({
    store,
    upstreams: config.upstreams,
    retry: config.retry,
    logger,
  });

  const service: Relay = {
    enabled: true,
    start: () => worker.start(),
    close: () => worker.close(),
    async status(): Promise<RelayStatus> {
      const verified = await verifyUpstreams(config.upstreams);
      return {
        mode: 'on',
        upstreams: config.upstreams.map((u, i) => ({ ...publicUpstream(u), verify: verified[i]! })),
        rules: config.rules.map(({ name, action, match, rewrite, upstream }) => ({
          name,
          action,
          match,
          rewrite,
          upstream,
        })),
      };
    },
    async explain(id) {
      const message = await store.getMessage(id);
      return {
        mode: 'on',
        decisions: rules(ruleInput(message)),
        outbox: await store.getOutboxHistory(id),
      };
    },
    async release(id, to) {
      const message = await store.getMessage(id);
      const addresses = [...new Set((to ?? message.envelope.rcptTo).map(checkAddress))];
      if (addresses.length === 0)
        throw new InvalidAddressError('give at least one address in "to"');
      const decisions = rules({ ...ruleInput(message), recipients: addresses });
      const denied = decisions
        .filter((d) => d.action === 'capture' && d.rule !== null)
        .map((d) => ({ address: d.recipient, reason: `${d.rule} captures it: it never leaves` }));
      if (denied.length > 0) throw new RelayDeniedError(denied);
      return store.addOutboxEntries(
        decisions.map((d) => ({
          messageId: id,
          recipient: d.sendTo,
          originalRecipient: d.recipient,
          upstream: d.upstream ?? config.upstreams[0]!.name,
          reason: d.rule ? `manual release (${d.rule})` : 'manual release',
          state: 'queued',
        })),
      );
    },
    approve: (ids) => store.changeOutboxState({ messageIds: ids, from: ['held'], to: 'queued' }),
    reject: (ids) => store.changeOutboxState({ messageIds: ids, from: ['held'], to: 'cancelled' }),
    retry: (id) => changeOne(store, id, ['queued', 'failed', 'held'], 'queued'),
    cancel: (id) => changeOne(store, id, ['held', 'queued', 'failed'], 'cancelled'),
  };
  return service;
}

async function changeOne(
  store: Store,
  id: OutboxId,
  from: Parameters<Store['changeOutboxState']>[0]['from'],
  to: 'queued' | 'cancelled',
) {
  const [changed] = await store.changeOutboxState({ ids: [id], from, to });
  if (changed) return changed;
  const entry = await store.getOutboxEntry(id);
  throw new OutboxStateError(
    `outbox entry ${id} is ${entry.state}; only ${from.join(', ')} entries can be ${to === 'queued' ? 'retried' : 'cancelled'}`,
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
