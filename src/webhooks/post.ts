import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkLiteralHost, guardedLookup } from './address-guard.js';

/** A receiver that has not answered in this long is treated as down; the message is retried. */
export const POST_TIMEOUT_MS = 10_000;
/** The receiver's body is read (to keep the connection reusable) but only this much kept. */
const KEPT_BODY_BYTES = 200;

export interface PostResult {
  readonly status: number;
  /** The status line and the start of the body: what the attempts API shows. */
  readonly reply: string;
}

export interface PostOptions {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly allowPrivate: boolean;
}

/**
 * POSTs a JSON body and resolves with the receiver's status, whatever it is. Rejects when
 * there is no answer: refused address (BlockedAddressError), DNS, connection, timeout.
 * Redirects are not followed: a 3xx is an answer like any other non-2xx.
 */
export function postJson(options: PostOptions): Promise<PostResult> {
  const url = new URL(options.url);
  if (!options.allowPrivate) checkLiteralHost(url.hostname);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const settings: RequestOptions = {
    method: 'POST',
    headers: {
      ...options.headers,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(options.body)),
    },
    timeout: POST_TIMEOUT_MS,
    ...(options.allowPrivate ? {} : { lookup: guardedLookup as RequestOptions['lookup'] }),
  };
  return new Promise((resolve, reject) => {
    const req = request(url, settings, (res) => {
      let kept = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (kept.length < KEPT_BODY_BYTES) kept += chunk.slice(0, KEPT_BODY_BYTES - kept.length);
      });
      res.on('end', () => {
        const line = `HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim();
        const text = kept.replace(/\s+/g, ' ').trim();
        resolve({ status: res.statusCode ?? 0, reply: text ? `${line}: ${text}` : line });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${POST_TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end(options.body);
  });
}
