import type { RelayConfig } from '../config/relay.js';
import type { Logger } from '../log/logger.js';
import type { MessageId, NewOutboxEntry, OutboxChange, OutboxId, Store } from '../store/types.js';
import { OutboxStateError, RelayOffError } from './errors.js';
import { compileReleasePolicy } from './release.js';
import { compileRules, ruleInput, type RuleSet } from './rules.js';
import { UpstreamChecks } from './status.js';
import type { PublicUpstream, RelayService, RelayStatus } from './types.js';
import { OutboxWorker } from './worker.js';

const RECOVERY_BATCH = 500;

export interface RelayOptions {
  readonly config: RelayConfig;
  readonly store: Store;
  readonly logger: Logger;
  /** How long a send may take before the entry is claimed again (--relay-lease). */
  readonly leaseMs: number;
}

export interface Relay extends RelayService {
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Rules, manual release and the outbox worker; off unless upstreams are configured. */
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
  });
  let unsubscribe: (() => void) | undefined;
  let cursorTimer: NodeJS.Timeout | undefined;
  const pending = new Map<MessageId, Promise<void>>();
  let lastDecided = 0;

  /** After commit: the rules queue or hold what they let through. Never awaited by ingest. */
  async function decide(id: MessageId): Promise<void> {
    const message = await store.getMessage(id);
    const entries: NewOutboxEntry[] = rules(ruleInput(message))
      .filter((d) => d.action !== 'capture')
      .map((d) => ({
        messageId: id,
        recipient: d.sendTo,
        originalRecipient: d.recipient,
        upstream: d.upstream!,
        reason: d.rule!,
        state: d.action === 'relay' ? 'queued' : 'held',
      }));
    if (entries.length > 0) await store.addOutboxEntries(entries, { decisionFor: id });
  }

  /**
   * Messages committed but not decided when the process died (the rules run after the
   * commit). Only those without outbox entries are decided, so nothing is queued twice.
   * Runs before the SMTP listener starts, so no new message races it.
   */
  async function recover(): Promise<void> {
    let after = await store.getRelayCursor();
    let decided = 0;
    for (;;) {
      const batch = await store.listMessagesAfter(after, RECOVERY_BATCH);
      for (const message of batch) {
        if ((await store.getOutboxHistory(message.id)).entries.length === 0) {
          await decide(message.id);
          decided++;
        }
        after = message.id;
      }
      if (batch.length < RECOVERY_BATCH) break;
    }
    await store.setRelayCursor(after);
    lastDecided = after;
    if (decided > 0) logger.info('decided messages a restart had left undecided', { decided });
  }

  /** Every message up to here is decided: below the oldest decision still running. */
  const watermark = () => (pending.size > 0 ? Math.min(...pending.keys()) - 1 : lastDecided);

  const service: Relay = {
    enabled: true,
    async start() {
      await recover();
      unsubscribe = store.subscribe((event) => {
        if (event.type !== 'stored') return;
        const id = event.message.id;
        const work = decide(id)
          .catch((error: unknown) =>
            logger.error('relay rules failed for a message', {
              message: id,
              error: (error as Error).message,
            }),
          )
          .finally(() => {
            pending.delete(id);
            lastDecided = Math.max(lastDecided, id);
          });
        pending.set(id, work);
      });
      // The cursor only bounds the work after a crash, so once a minute is enough.
      cursorTimer = setInterval(
        () => void store.setRelayCursor(watermark()).catch(() => {}),
        60_000,
      );
      cursorTimer.unref();
      await worker.start();
    },
    async close() {
      unsubscribe?.();
      clearInterval(cursorTimer);
      await Promise.allSettled([...pending.values()]);
      await store.setRelayCursor(watermark()).catch(() => {});
      await worker.close();
    },
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
    // Mail captured while the relay is off is never relayed when it is turned on later.
    // A database that cannot take the write (full) must still start: capture comes first.
    start: () => store.setRelayCursor('newest').catch(() => {}),
    close: () => store.setRelayCursor('newest').catch(() => {}),
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
