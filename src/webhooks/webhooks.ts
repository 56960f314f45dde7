import type { Webhook } from '../config/webhooks.js';
import type { Logger } from '../log/logger.js';
import type { Store, WebhookOutcome } from '../store/types.js';
import { checkLiteralHost } from './address-guard.js';
import { WebhookDeliverer } from './deliverer.js';

/** What the API shows of a webhook: never its secret, and of its URL only the origin. */
export interface WebhookStatus {
  readonly name: string;
  /** Scheme, host and port: paths and queries often hold a token (Slack, Discord). */
  readonly target: string;
  readonly filter: string | null;
  readonly signed: boolean;
  readonly allowPrivate: boolean;
  readonly deliveredThrough: number;
  readonly retry: {
    readonly messageId: number;
    readonly attempts: number;
    readonly nextAttemptAt: string | null;
  } | null;
}

export interface Webhooks {
  start(): Promise<void>;
  close(): Promise<void>;
  list(): Promise<readonly WebhookStatus[]>;
  has(name: string): boolean;
}

export interface WebhooksOptions {
  readonly webhooks: readonly Webhook[];
  readonly store: Store;
  readonly logger: Logger;
  readonly onAttempt?: (webhook: string, outcome: WebhookOutcome) => void;
}

/** One deliverer per configured webhook, started before the SMTP listener and closed before the store. */
export function createWebhooks(options: WebhooksOptions): Webhooks {
  const { webhooks, store, logger } = options;
  const deliverers = webhooks.map(
    (webhook) => new WebhookDeliverer({ webhook, store, logger, onAttempt: options.onAttempt }),
  );
  return {
    async start() {
      for (const webhook of webhooks) warnIfRefused(webhook, logger);
      for (const deliverer of deliverers) await deliverer.start();
    },
    async close() {
      await Promise.all(deliverers.map((d) => d.close()));
    },
    has: (name) => webhooks.some((w) => w.name === name),
    list: () =>
      Promise.all(
        webhooks.map(async (webhook): Promise<WebhookStatus> => {
          const cursor = await store.openWebhookCursor(webhook.name);
          return {
            name: webhook.name,
            target: new URL(webhook.url).origin,
            filter: webhook.filter,
            signed: webhook.secret !== null,
            allowPrivate: webhook.allowPrivate,
            deliveredThrough: cursor.deliveredThrough,
            retry:
              cursor.retryMessageId === null
                ? null
                : {
                    messageId: cursor.retryMessageId,
                    attempts: cursor.attempts,
                    nextAttemptAt: cursor.nextAttemptAt,
                  },
          };
        }),
      ),
  };
}

/** Said at startup too, so that the operator need not find it in the attempts. */
function warnIfRefused(webhook: Webhook, logger: Logger): void {
  if (webhook.allowPrivate) return;
  try {
    checkLiteralHost(new URL(webhook.url).hostname);
  } catch (error) {
    logger.warn(`webhook ${webhook.name} will be refused`, { error: (error as Error).message });
  }
}
