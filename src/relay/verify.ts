import { createTransport } from 'nodemailer';
import type { Upstream } from '../config/relay.js';
import { describeError } from './outcome.js';
import { transportOptions } from './transport.js';

export interface VerifyResult {
  readonly upstream: string;
  readonly ok: boolean;
  /** What happened: success, or the upstream's exact reply / the connection error. */
  readonly reply: string;
}

/** Connects (and authenticates, when configured) without sending mail. */
export async function verifyUpstream(upstream: Upstream): Promise<VerifyResult> {
  const transport = createTransport({ ...transportOptions(upstream), pool: false });
  try {
    await transport.verify();
    const auth = upstream.auth.method === 'none' ? '' : `, authenticated (${upstream.auth.method})`;
    return { upstream: upstream.name, ok: true, reply: `connected (tls: ${upstream.tls})${auth}` };
  } catch (error) {
    return { upstream: upstream.name, ok: false, reply: describeError(error as object) };
  } finally {
    transport.close();
  }
}

export function verifyUpstreams(upstreams: readonly Upstream[]): Promise<VerifyResult[]> {
  return Promise.all(upstreams.map(verifyUpstream));
}
