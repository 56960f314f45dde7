import type { RuleAction } from '../config/relay.js';
import type { MessageId, OutboxEntry, OutboxHistory, OutboxId } from '../store/types.js';
import type { Decision } from './rules.js';
import type { ReleaseRequest } from './release.js';
import type { CheckedUpstream } from './status.js';

export type { ReleaseRequest } from './release.js';

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
      /** `verify`: the last verification (POST /api/relay/verify), null before the first. */
      readonly upstreams: readonly (PublicUpstream & { readonly verify: CheckedUpstream | null })[];
      /** Patterns a person may release to besides a message's own recipients. */
      readonly releaseTo: readonly string[];
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
  /** Configuration and the last verification; never logs in. */
  status(): Promise<RelayStatus>;
  /** Logs in to every upstream now (at most once a minute: VerifyTooSoonError), then status. */
  verify(): Promise<RelayStatus>;
  explain(messageId: MessageId): Promise<RelayExplanation>;
  /** Queues the message for the given addresses, or its envelope recipients (see release.ts). */
  release(messageId: MessageId, request: ReleaseRequest): Promise<readonly OutboxEntry[]>;
  // `by`: the signed-in name, recorded on the entries as who let them go or stopped them.
  approve(messageIds: readonly MessageId[], by: string): Promise<readonly OutboxEntry[]>;
  reject(messageIds: readonly MessageId[], by: string): Promise<readonly OutboxEntry[]>;
  retry(id: OutboxId, by: string): Promise<OutboxEntry>;
  cancel(id: OutboxId, by: string): Promise<OutboxEntry>;
}
