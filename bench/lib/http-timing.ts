import { median } from './stats.js';

/** Milliseconds from sending a request to having read its whole body. */
export async function timeRequest(
  url: string,
  init: RequestInit = {},
): Promise<{ ms: number; status: number; body: Buffer }> {
  const started = performance.now();
  const response = await fetch(url, init);
  const body = Buffer.from(await response.arrayBuffer());
  return { ms: performance.now() - started, status: response.status, body };
}

/**
 * Median time of `count` requests after `warmup` unmeasured ones. `request(i)` returns the
 * URL and options of the i-th request, so a series can walk over different messages.
 */
export async function medianRequestMs(
  request: (
    i: number,
  ) => Promise<{ url: string; init?: RequestInit }> | { url: string; init?: RequestInit },
  count: number,
  warmup = 2,
): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const { url, init } = await request(i);
    const { ms, status, body } = await timeRequest(url, init);
    if (status >= 400) {
      throw new Error(`${url} answered ${status}: ${body.toString().slice(0, 300)}`);
    }
    if (i >= warmup) times.push(ms);
  }
  return median(times);
}

export function postJson(body: unknown): RequestInit {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  };
}
