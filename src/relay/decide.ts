import type { RelayRule } from '../config/relay.js';
import type { OutboxDecision } from '../store/types.js';
import { compileRules, ruleInput, type RuledMessage } from './rules.js';

/** The outbox entries the rules give a new message: none for what they capture. */
export type Decide = (message: RuledMessage) => OutboxDecision[];

/**
 * Compiles the rules into the decision taken when a message is captured. It is a pure
 * function of the message, so the store's thread runs it and inserts its entries in the
 * transaction that stores the message: the decision is committed with the 250 or not at all.
 * `null` rules (the relay is off) decide nothing, so turning the relay on later never sends
 * mail captured before.
 */
export function compileDecide(rules: readonly RelayRule[] | null): Decide {
  if (rules === null) return () => [];
  const decisions = compileRules(rules);
  return (message) =>
    decisions(ruleInput(message)).flatMap((d) =>
      d.action === 'capture' || d.upstream === null
        ? []
        : [
            {
              recipient: d.sendTo,
              originalRecipient: d.recipient,
              upstream: d.upstream,
              reason: d.rule!,
              state: d.action === 'relay' ? ('queued' as const) : ('held' as const),
            },
          ],
    );
}
