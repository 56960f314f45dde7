import type { RuleAction } from '../config/relay.js';
import type { MessageId, OutboxEntry, OutboxHistory, OutboxId } from '../store/types.js';
import type { Decision } from './rules.js';
import type { VerifyResult } from './verify.js';

export type { Decision } from './rules.js';

/** An upstream as the API shows it: no user names, no passwords. */
export interface PublicUpstream {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly tls: string;
  readonly insecure: boolean;
  readonly caFile: string | null;
  readonly auth: string;
  readonly envelopeFrom: string | null;
  readonly from: string | null;
  readonly rateLimit: number | null;
  readonly maxConnections: number;
  readonly ehloName: string | null;
}

export type RelayStatus =
  | { readonly mode: 'off' }
  | {
      readonly mode: 'on';
      readonly upstreams: readonly (PublicUpstream & { readonly verify: VerifyResult })[];
      readonly rules: readonly {
        readonly name: string;
        readonly action: RuleAction;
        readonly match: object;
        readonly rewrite: string | null;
        readonly upstream: string;
      }[];
    };

export interface RelayExplanation {
  readonly mode: 'off' | 'on';
  /** What the rules decide for each envelope recipient, and why. */
  readonly decisions: readonly Decision[];
  readonly outbox: OutboxHistory;
}

/** What the HTTP API asks of the relay. */
export interface RelayService {
  /** False when no upstream is configured: nothing can leave. */
  readonly enabled: boolean;
  status(): Promise<RelayStatus>;
  explain(messageId: MessageId): Promise<RelayExplanation>;
  /** Queues the message for the given addresses, or its envelope recipients. */
  release(messageId: MessageId, to?: readonly string[]): Promise<readonly OutboxEntry[]>;
  approve(messageIds: readonly MessageId[]): Promise<readonly OutboxEntry[]>;
  reject(messageIds: readonly MessageId[]): Promise<readonly OutboxEntry[]>;
  retry(id: OutboxId): Promise<OutboxEntry>;
  cancel(id: OutboxId): Promise<OutboxEntry>;
}
