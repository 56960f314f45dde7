const TICK_MS = 5;

/**
 * A "hang": the event loop blocked so long that every other SMTP and HTTP client waits.
 * A timed assertion on purpose, since blocking is exactly what it detects. The slowest
 * legitimate input in the fuzz cases (10,000 RFC 2231 parameters) needs ~0.4 s of CPU on
 * an idle 2-core machine; 2 s leaves room for a loaded one, and the quadratic inputs in
 * test/fixtures/regressions/ block for longer than that even on an idle machine.
 */
export const STALL_LIMIT_MS = 2000;

/**
 * Watches the process the in-process Sluice runs in: the peak resident set size and the
 * longest stall of the event loop. RSS is sampled every few milliseconds and also read
 * from the kernel's high-water mark when that moved during the watch, so a short peak
 * inside a synchronous call is not missed. A stall is the gap between two ticks of the
 * sampling timer (perf_hooks' monitorEventLoopDelay missed some multi-second blocks).
 */
export class ProcessMonitor {
  readonly startRss: number;
  #startMaxRss: number;
  #peakRss: number;
  readonly #timer: NodeJS.Timeout;
  #lastTick = performance.now();
  #longestGap = 0;

  constructor() {
    this.startRss = process.memoryUsage.rss();
    this.#startMaxRss = process.resourceUsage().maxRSS * 1024;
    this.#peakRss = this.startRss;
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
  }

  #tick(): void {
    const now = performance.now();
    this.#longestGap = Math.max(this.#longestGap, now - this.#lastTick - TICK_MS);
    this.#lastTick = now;
    this.#peakRss = Math.max(this.#peakRss, process.memoryUsage.rss());
  }

  /** Highest RSS seen since the monitor started (or resetPeak), in bytes. */
  get peakRss(): number {
    const maxRss = process.resourceUsage().maxRSS * 1024;
    const sampled = Math.max(this.#peakRss, process.memoryUsage.rss());
    return maxRss > this.#startMaxRss ? Math.max(sampled, maxRss) : sampled;
  }

  /** Starts the peak over again from the current RSS, which it returns. */
  resetPeak(): number {
    this.#peakRss = process.memoryUsage.rss();
    this.#startMaxRss = process.resourceUsage().maxRSS * 1024;
    return this.#peakRss;
  }

  /** Longest time the event loop was blocked since the last reset, in milliseconds. */
  get longestStallMs(): number {
    // A block still in progress cannot be observed from inside it; one that just ended is
    // counted by this read.
    return Math.max(this.#longestGap, performance.now() - this.#lastTick - TICK_MS);
  }

  resetStall(): void {
    this.#lastTick = performance.now();
    this.#longestGap = 0;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

export const MB = 1024 * 1024;

export function megabytes(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}
