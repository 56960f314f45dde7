import type { RelayRule, RuleAction } from '../config/relay.js';
import type { Envelope, HeaderField } from '../store/types.js';
import { compilePattern, type Matcher } from './patterns.js';

/** What the rules say for one recipient, and why. */
export interface Decision {
  readonly recipient: string;
  readonly action: RuleAction;
  /** The matching rule's name; null when none matched (the default: capture). */
  readonly rule: string | null;
  readonly reason: string;
  /** The address to send to: the recipient, or the rule's rewrite. */
  readonly sendTo: string;
  readonly upstream: string | null;
}

/** What rules look at. */
export interface RuleInput {
  readonly sender: string;
  readonly recipients: readonly string[];
  readonly subject: string;
  readonly headers: readonly { readonly name: string; readonly value: string }[];
}

/** What of a message the rules read: a stored message's detail and a parsed new one both have it. */
export interface RuledMessage {
  readonly envelope: Envelope;
  readonly subject: string;
  readonly headers: readonly HeaderField[];
}

export function ruleInput(message: RuledMessage): RuleInput {
  return {
    sender: message.envelope.mailFrom,
    recipients: message.envelope.rcptTo,
    subject: message.subject,
    headers: message.headers,
  };
}

interface CompiledRule {
  readonly rule: RelayRule;
  readonly recipient?: Matcher;
  readonly sender?: Matcher;
  readonly subject?: Matcher;
  readonly header?: { readonly name: string; readonly value: Matcher };
}

export type RuleSet = (input: RuleInput) => Decision[];

/** Compiles the configured rules once; the result decides per recipient, first match wins. */
export function compileRules(rules: readonly RelayRule[]): RuleSet {
  const compiled: CompiledRule[] = rules.map((rule) => ({
    rule,
    recipient: rule.match.recipient ? compilePattern(rule.match.recipient) : undefined,
    sender: rule.match.sender ? compilePattern(rule.match.sender) : undefined,
    subject: rule.match.subject ? compilePattern(rule.match.subject) : undefined,
    header: rule.match.header
      ? {
          name: rule.match.header.name.toLowerCase(),
          value: compilePattern(rule.match.header.value),
        }
      : undefined,
  }));
  return (input) =>
    input.recipients.map((recipient) => {
      const hit = compiled.find((c) => matches(c, recipient, input));
      if (!hit) {
        return {
          recipient,
          action: 'capture',
          rule: null,
          reason: 'no rule matched: captured (the default)',
          sendTo: recipient,
          upstream: null,
        };
      }
      const { rule } = hit;
      return {
        recipient,
        action: rule.action,
        rule: rule.name,
        reason: `${rule.name} matched: ${rule.action}${rule.rewrite ? ` to ${rule.rewrite}` : ''}`,
        sendTo: rule.rewrite ?? recipient,
        upstream: rule.upstream,
      };
    });
}

function matches(c: CompiledRule, recipient: string, input: RuleInput): boolean {
  if (c.recipient && !c.recipient(recipient)) return false;
  if (c.sender && !c.sender(input.sender)) return false;
  if (c.subject && !c.subject(input.subject)) return false;
  if (c.header) {
    const { name, value } = c.header;
    if (!input.headers.some((h) => h.name.toLowerCase() === name && value(h.value))) return false;
  }
  return true;
}
