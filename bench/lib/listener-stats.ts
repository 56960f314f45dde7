/** What the load suite's listener clients (listener-clients.ts, a child process) report. */
export interface ListenerStats {
  readonly opened: number;
  /** Clients whose response head arrived (200 for sse; any status for wait). */
  readonly answered: number;
  /** sse: clients that decode, and of them those with at least N `stored` events. */
  readonly counting: number;
  readonly complete: number;
  readonly failed: number;
}

/** One client in this many decodes and counts (clients that decode cost the machine). */
export const SAMPLE_EVERY = 50;
