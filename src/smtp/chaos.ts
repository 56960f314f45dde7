import { smtpError } from './replies.js';

/** One way to fail: answer `errorCode` with `probability` percent chance. */
export interface ChaosTrigger {
  readonly errorCode: number;
  /** 0 to 100. */
  readonly probability: number;
}

/** Mailpit's triggers: each stage of a session may be refused. */
export interface ChaosTriggers {
  readonly sender: ChaosTrigger;
  readonly recipient: ChaosTrigger;
  readonly authentication: ChaosTrigger;
}

/** MailHog's Jim ("the chaos monkey"): chances are fractions from 0 to 1, as MailHog has them. */
export interface JimSettings {
  readonly disconnectChance: number;
  readonly acceptChance: number;
  readonly linkSpeedAffect: number;
  /** Bytes per second. */
  readonly linkSpeedMin: number;
  readonly linkSpeedMax: number;
  readonly rejectSenderChance: number;
  readonly rejectRecipientChance: number;
  readonly rejectAuthChance: number;
}

export interface ChaosState {
  readonly triggers: ChaosTriggers;
  /** Null while Jim is off. */
  readonly jim: JimSettings | null;
}

/** Mailpit's defaults for a trigger whose code is 0. */
export const DEFAULT_CODES = { sender: 451, recipient: 451, authentication: 535 } as const;

/** MailHog's defaults when Jim is enabled without settings. */
export const JIM_DEFAULTS: JimSettings = {
  disconnectChance: 0.005,
  acceptChance: 0.99,
  linkSpeedAffect: 0.1,
  linkSpeedMin: 1024,
  linkSpeedMax: 10240,
  rejectSenderChance: 0.05,
  rejectRecipientChance: 0.05,
  rejectAuthChance: 0.05,
};

/** A slow link never holds a message longer than this, whatever its size. */
const MAX_SLOW_LINK_DELAY_MS = 30_000;

const off = (stage: keyof ChaosTriggers): ChaosTrigger => ({
  errorCode: DEFAULT_CODES[stage],
  probability: 0,
});

export class ChaosSettingsError extends Error {
  override name = 'ChaosSettingsError';
}

/**
 * Fault injection on the SMTP listener, for testing how an app copes with a refusing
 * server (Mailpit's chaos triggers and MailHog's Jim, on one state). Off unless
 * --enable-chaos; then every trigger starts at 0 % until an API call sets it.
 * `random` returns a number in [0, 1); tests pass their own to make rates deterministic.
 */
export class Chaos {
  readonly enabled: boolean;
  readonly #random: () => number;
  #state: ChaosState = {
    triggers: {
      sender: off('sender'),
      recipient: off('recipient'),
      authentication: off('authentication'),
    },
    jim: null,
  };

  constructor(options: { enabled: boolean; random?: () => number }) {
    this.enabled = options.enabled;
    this.#random = options.random ?? Math.random;
  }

  get state(): ChaosState {
    return this.#state;
  }

  /** Replaces the triggers; an omitted one goes back to 0 % (as Mailpit's PUT does). */
  setTriggers(
    triggers: Partial<Record<keyof ChaosTriggers, Partial<ChaosTrigger>>>,
  ): ChaosTriggers {
    const stage = (name: keyof ChaosTriggers): ChaosTrigger => {
      const given = triggers[name];
      const errorCode = given?.errorCode || DEFAULT_CODES[name];
      const probability = given?.probability ?? 0;
      if (!Number.isInteger(errorCode) || errorCode < 400 || errorCode > 599)
        throw new ChaosSettingsError(
          `${name}: error code must be from 400 to 599, got ${errorCode}`,
        );
      if (!(probability >= 0 && probability <= 100))
        throw new ChaosSettingsError(
          `${name}: probability must be from 0 to 100, got ${probability}`,
        );
      return { errorCode, probability };
    };
    const next = {
      sender: stage('sender'),
      recipient: stage('recipient'),
      authentication: stage('authentication'),
    };
    this.#state = { ...this.#state, triggers: next };
    return next;
  }

  /** Turns Jim on, or changes his settings; null turns him off. */
  setJim(jim: Partial<JimSettings> | null): JimSettings | null {
    if (jim === null) {
      this.#state = { ...this.#state, jim: null };
      return null;
    }
    const merged = { ...JIM_DEFAULTS, ...jim };
    for (const [name, value] of Object.entries(merged)) {
      const isChance = name.endsWith('Chance') || name === 'linkSpeedAffect';
      if (typeof value !== 'number' || value < 0 || (isChance && value > 1))
        throw new ChaosSettingsError(
          `${name} must be a number${isChance ? ' from 0 to 1' : ' ≥ 0'}`,
        );
    }
    this.#state = { ...this.#state, jim: merged };
    return merged;
  }

  /** At connect: Jim may refuse the connection (421 closes it). */
  onConnect(): Error | null {
    const jim = this.#state.jim;
    if (!this.enabled || !jim) return null;
    return this.#roll(1 - jim.acceptChance) ? smtpError(421, 'Chaos: connection refused') : null;
  }

  /** At MAIL FROM: Jim may drop the connection, or the sender may be refused. */
  onMailFrom(): Error | null {
    const jim = this.#state.jim;
    if (this.enabled && jim && this.#roll(jim.disconnectChance))
      return smtpError(421, 'Chaos: disconnecting');
    return this.#refuse('sender', jim?.rejectSenderChance, 550, 'sender rejected');
  }

  onRcptTo(): Error | null {
    return this.#refuse(
      'recipient',
      this.#state.jim?.rejectRecipientChance,
      550,
      'recipient rejected',
    );
  }

  onAuth(): Error | null {
    return this.#refuse(
      'authentication',
      this.#state.jim?.rejectAuthChance,
      535,
      'authentication failed',
    );
  }

  /** How long to hold a DATA of `bytes` to imitate a slow link; 0 most of the time. */
  slowLinkDelayMs(bytes: number): number {
    const jim = this.#state.jim;
    if (!this.enabled || !jim || !this.#roll(jim.linkSpeedAffect)) return 0;
    const speed = jim.linkSpeedMin + this.#random() * (jim.linkSpeedMax - jim.linkSpeedMin);
    return Math.min(MAX_SLOW_LINK_DELAY_MS, Math.round((bytes / Math.max(1, speed)) * 1000));
  }

  #refuse(
    stage: keyof ChaosTriggers,
    jimChance: number | undefined,
    jimCode: number,
    what: string,
  ) {
    if (!this.enabled) return null;
    const trigger = this.#state.triggers[stage];
    if (this.#roll(trigger.probability / 100))
      return smtpError(trigger.errorCode, `Chaos: ${what}`);
    if (jimChance !== undefined && this.#roll(jimChance))
      return smtpError(jimCode, `Chaos: ${what}`);
    return null;
  }

  /** True with the given chance; 0 never calls the random source, so "never" is never. */
  #roll(chance: number): boolean {
    return chance > 0 && this.#random() < chance;
  }
}
