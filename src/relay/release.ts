import type { MessageDetail, NewOutboxEntry } from '../store/types.js';
import { checkAddress } from './addresses.js';
import { InvalidAddressError, RelayDeniedError } from './errors.js';
import { compilePattern, type Matcher } from './patterns.js';
import { ruleInput, type RuleSet } from './rules.js';

export interface ReleasePolicy {
  readonly rules: RuleSet;
  /** `relay.release_to`: addresses a person may send to besides the message's own recipients. */
  readonly releaseTo: readonly string[];
  /** Where mail goes when no rule names an upstream. */
  readonly defaultUpstream: string;
}

export interface ReleaseRequest {
  /** Addresses typed by the person; absent = the message's envelope recipients. */
  readonly to?: readonly unknown[];
  /** Who releases it: recorded on every entry. */
  readonly by: string;
}

/**
 * Manual release is never an open relay. Each address must be one the message was captured
 * for, or match `relay.release_to`; and no capture rule may name it (a capture rule blocks an
 * address for automatic and manual relay alike). Anything else is refused, every address
 * with its reason, and nothing is queued.
 */
export function compileReleasePolicy(policy: ReleasePolicy) {
  const allowed: Matcher[] = policy.releaseTo.map(compilePattern);
  return function planRelease(message: MessageDetail, request: ReleaseRequest): NewOutboxEntry[] {
    const own = new Set(message.envelope.rcptTo.map((a) => a.toLowerCase()));
    const addresses = dedupe((request.to ?? message.envelope.rcptTo).map(checkAddress));
    if (addresses.length === 0) throw new InvalidAddressError('give at least one address in "to"');
    const decisions = policy.rules({ ...ruleInput(message), recipients: addresses });
    const denied = decisions.flatMap((d) => {
      if (d.action === 'capture' && d.rule !== null)
        return [{ address: d.recipient, reason: `rule "${d.rule}" captures it: it never leaves` }];
      if (own.has(d.recipient.toLowerCase()) || allowed.some((match) => match(d.recipient)))
        return [];
      return [
        {
          address: d.recipient,
          reason: 'not a recipient of this message, and no relay.release_to pattern allows it',
        },
      ];
    });
    if (denied.length > 0) throw new RelayDeniedError(denied);
    return decisions.map((d) => ({
      messageId: message.id,
      recipient: d.sendTo,
      originalRecipient: d.recipient,
      upstream: d.upstream ?? policy.defaultUpstream,
      reason: d.rule ? `manual release (${d.rule})` : 'manual release',
      state: 'queued',
      releasedBy: request.by,
    }));
  };
}

/** The same address typed twice (in any case) is released once. */
function dedupe(addresses: readonly string[]): string[] {
  const seen = new Set<string>();
  return addresses.filter((address) => {
    const key = address.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
