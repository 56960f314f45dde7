import type { Batch } from './batch.js';
import type { Subscriber } from './subscriber.js';

/**
 * Clients written to in one go; between two slices the loop serves everything else, so
 * that a flush to 5,000 clients does not hold every SMTP session for 100 ms at once.
 */
export const DELIVERY_SLICE = 250;

/**
 * Gives the batch to each client, a slice at a time; resolves with the milliseconds the
 * writes took (the loop's time spent on them, not the time between slices).
 */
export async function deliverInSlices(
  batch: Batch,
  clients: readonly Subscriber[],
): Promise<number> {
  let cost = 0;
  for (let start = 0; start < clients.length; start += DELIVERY_SLICE) {
    if (start > 0) await new Promise((resolve) => setImmediate(resolve));
    const began = performance.now();
    for (const subscriber of clients.slice(start, start + DELIVERY_SLICE))
      subscriber.deliver(batch);
    // HTTP responses write on the next tick (they cork the socket): measure after them.
    await new Promise((resolve) => process.nextTick(resolve));
    cost += performance.now() - began;
  }
  return cost;
}
