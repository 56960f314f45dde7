/**
 * What the connect snippets are written for: where the listeners are and what they ask of a
 * client. The inbox fills it from /api/info; README's snippets are the defaults below, and
 * test/clients/snippets.test.ts keeps README equal to them.
 */
export interface SnippetTarget {
  /** The host a client uses, without brackets (an IPv6 address is bracketed where needed). */
  readonly host: string;
  /** The plain listener. */
  readonly smtp: number;
  /** A listener that offers STARTTLS, if any. */
  readonly starttls: number | null;
  /** The implicit-TLS listener, if any. */
  readonly smtps: number | null;
  /** --smtp-require-tls: the plain port refuses mail before STARTTLS. */
  readonly tlsRequired: boolean;
  /** The plain port offers STARTTLS too (a certificate of the user's, or TLS required). */
  readonly plainOffersStarttls: boolean;
  /** --smtp-auth: snippets carry credentials (placeholders the user replaces). */
  readonly authRequired: boolean;
  /** The command that runs `sluice sendmail`. */
  readonly sendmail: string;
  /** Whether `sluice sendmail` must be told the address (it defaults to 127.0.0.1:1025). */
  readonly sendmailAddress: string | null;
}

export const DEFAULT_TARGET: SnippetTarget = {
  host: '127.0.0.1',
  smtp: 1025,
  starttls: 1587,
  smtps: 1465,
  tlsRequired: false,
  plainOffersStarttls: false,
  authRequired: false,
  sendmail: 'sluice sendmail',
  sendmailAddress: null,
};

/** The parts of GET /api/info that the snippets depend on. */
export interface ListenerInfo {
  readonly smtp: { readonly host: string; readonly port: number };
  readonly starttls: { readonly host: string; readonly port: number } | null;
  readonly smtps: { readonly host: string; readonly port: number } | null;
  readonly tls: { readonly starttls: boolean; readonly required: boolean };
  readonly auth: { readonly mode: 'optional' | 'required' };
  readonly sendmail: string | null;
}

/**
 * The target for a running server. `pageHost` stands in for a wildcard bind (0.0.0.0):
 * the browser reached the inbox by that name, so an app on that machine reaches SMTP by it too.
 */
export function targetFor(info: ListenerInfo, pageHost: string): SnippetTarget {
  const host = clientHost(info.smtp.host, pageHost);
  // sendmail runs beside the server, so loopback reaches a wildcard bind.
  const sendmailHost = clientHost(info.smtp.host, '127.0.0.1');
  const sendmailAddress = `${bracket(sendmailHost)}:${info.smtp.port}`;
  return {
    host,
    smtp: info.smtp.port,
    starttls: info.starttls?.port ?? (info.tls.starttls ? info.smtp.port : null),
    smtps: info.smtps?.port ?? null,
    tlsRequired: info.tls.required,
    plainOffersStarttls: info.tls.starttls,
    authRequired: info.auth.mode === 'required',
    sendmail: info.sendmail ?? DEFAULT_TARGET.sendmail,
    sendmailAddress: sendmailAddress === '127.0.0.1:1025' ? null : sendmailAddress,
  };
}

function clientHost(bound: string, wildcard: string): string {
  if (bound === '0.0.0.0' || bound === '::' || bound === '') return wildcard || 'localhost';
  return bound;
}

export function bracket(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** "host:port" as this page's user reaches a listener (a wildcard bind by the page's host). */
export function listenerAddress(
  listener: { readonly host: string; readonly port: number },
  pageHost: string,
): string {
  return `${bracket(clientHost(listener.host, pageHost))}:${listener.port}`;
}
