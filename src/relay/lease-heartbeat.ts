export interface LeaseHeartbeatOptions {
  /** How long a lease lasts: it is renewed every third of that while the work runs. */
  readonly leaseMs: number;
  /** Extends the lease; resolves false once it is no longer held (another instance took it). */
  readonly renew: () => Promise<boolean>;
  /** Hears that the lease was lost: the work goes on, but its result will not be recorded. */
  readonly onLost: () => void;
  /** Hears that a renewal failed (the store refused): the next one tries again. */
  readonly onError: (error: unknown) => void;
}

/**
 * Runs `work` under a lease that is renewed until it settles, so that work outliving one
 * lease (a slow upstream, a receiver that takes its time) is not taken over by another
 * instance and done twice. Renewals never overlap; a third of the lease leaves two more
 * tries before it runs out when one fails.
 */
export async function whileLeased<T>(work: Promise<T>, options: LeaseHeartbeatOptions): Promise<T> {
  let renewing = false;
  let lost = false;
  const beat = () => {
    if (renewing || lost) return;
    renewing = true;
    options
      .renew()
      .then((held) => {
        if (held) return;
        lost = true;
        options.onLost();
      }, options.onError)
      .finally(() => (renewing = false));
  };
  const timer = setInterval(beat, Math.max(1, Math.floor(options.leaseMs / 3)));
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
