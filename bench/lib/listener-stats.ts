/** What the load suite's listener clients (listener-clients.ts, a child process) report. */
export interface ListenerStats {
  readonly opened: number;
  /** Clients whose response head arrived (200 for sse; any status for wait). */
  readonly answered: number;
  /** sse: clients that decode, and of them those whose events reached the message asked for. */
  readonly counting: number;
  readonly complete: number;
  readonly failed: number;
  /** Bytes every client received together, as they came over the socket. */
  readonly bytes: number;
  /** The decoding clients' `stored` events and `reset`s, all of them together. */
  readonly stored: number;
  readonly resets: number;
}

/** One client in this many decodes and counts (clients that decode cost the machine). */
export const SAMPLE_EVERY = 50;
