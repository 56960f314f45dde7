import {
  ORDER_NUMBER_LENGTH,
  TEMPLATES,
  fillTemplate,
  type Template,
  type TemplateValues,
} from './templates.js';
import {
  DOMAINS,
  FIRST_NAMES,
  LAST_NAMES,
  VOCABULARY,
  WORDS_PER_BODY,
  createRandom,
  pick,
} from './vocabulary.js';

export interface GeneratedMessage {
  readonly templateIndex: number;
  readonly values: TemplateValues;
  readonly raw: Buffer;
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  /** The Date header as epoch milliseconds. */
  readonly dateMs: number;
}

export interface GeneratorOptions {
  readonly seed?: number;
  /** Date of the first message; later ones step forward. */
  readonly startMs: number;
  readonly stepMs: number;
  /** Position of the first message in the whole sequence, to continue an earlier run. */
  readonly firstIndex?: number;
}

const TOTAL_WEIGHT = TEMPLATES.reduce((sum, t) => sum + t.weight, 0);

/** Varied messages from the templates: same sequence for the same seed. */
export class MessageGenerator {
  readonly #random: () => number;
  readonly #options: GeneratorOptions;
  #count = 0;

  constructor(options: GeneratorOptions) {
    this.#options = options;
    this.#count = options.firstIndex ?? 0;
    this.#random = createRandom((options.seed ?? 7) + this.#count);
  }

  /** `subjectWords` are appended to the subject, e.g. a marker a benchmark searches for. */
  next(subjectWords: readonly string[] = []): GeneratedMessage {
    const random = this.#random;
    const index = this.#count++;
    const templateIndex = pickTemplate(random());
    const template = TEMPLATES[templateIndex]!;
    const first = pick(random, FIRST_NAMES);
    const last = pick(random, LAST_NAMES);
    const toaddr = `${first}.${last}${Math.floor(random() * 50)}@${pick(random, DOMAINS)}`
      .toLowerCase()
      .replace(/[^a-z0-9.@-]/g, '');
    const dateMs = Math.floor((this.#options.startMs + index * this.#options.stepMs) / 1000) * 1000;
    const words = (n: number) => Array.from({ length: n }, () => pick(random, VOCABULARY));
    const values: TemplateValues = {
      subj: [...words(3 + Math.floor(random() * 3)), ...subjectWords].join(' '),
      toaddr,
      toname: `${first} ${last}`,
      from: pick(random, ['noreply', 'billing', 'news', 'support', 'alerts']),
      mid: `${index.toString(36)}.${Math.floor(random() * 1e9).toString(36)}`,
      date: new Date(dateMs).toUTCString(),
      ordr: String(Math.floor(random() * 10 ** ORDER_NUMBER_LENGTH)).padStart(
        ORDER_NUMBER_LENGTH,
        '0',
      ),
      body: words(WORDS_PER_BODY).join(' '),
      cc: pick(random, VOCABULARY),
    };
    return {
      templateIndex,
      values,
      raw: Buffer.from(fillTemplate(template.raw, values)),
      mailFrom: `${values.from}@bench.example`,
      rcptTo: [toaddr, ...template.extraRecipients.map((r) => fillTemplate(r, values))],
      dateMs,
    };
  }
}

function pickTemplate(r: number): number {
  let at = r * TOTAL_WEIGHT;
  for (const [i, template] of TEMPLATES.entries()) {
    at -= template.weight;
    if (at < 0) return i;
  }
  return TEMPLATES.length - 1;
}

export function templateOf(message: GeneratedMessage): Template {
  return TEMPLATES[message.templateIndex]!;
}

/**
 * A message of about `bodyBytes` of body text for the ingest runs, the size smtp-source's
 * `-l` sends, so that nodemailer and smtp-source carry comparable payloads.
 */
export function sizedMessage(
  index: number,
  bodyBytes: number,
): { from: string; to: string; raw: string } {
  const random = createRandom(index + 1);
  const lines: string[] = [];
  let size = 0;
  while (size < bodyBytes) {
    const line = Array.from({ length: 10 }, () => pick(random, VOCABULARY)).join(' ');
    lines.push(line);
    size += line.length + 2;
  }
  const raw = [
    'From: Bench <bench@bench.example>',
    'To: inbox@bench.example',
    `Subject: pool message ${index}`,
    `Message-ID: <pool.${index}@bench.example>`,
    'Date: ' + new Date().toUTCString(),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    ...lines,
    '',
  ].join('\r\n');
  return { from: 'bench@bench.example', to: 'inbox@bench.example', raw };
}
