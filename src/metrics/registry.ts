/**
 * A small Prometheus text-format registry (exposition format 0.0.4): counters with labels,
 * gauges read at scrape time, one kind of histogram. Hand-written rather than prom-client,
 * which would bring OpenTelemetry and tdigest for the dozen series Sluice has.
 */

type Labels = Readonly<Record<string, string>>;
/** A gauge's value at scrape time: one number, or one per label set. */
export type GaugeReading = number | readonly { readonly labels: Labels; readonly value: number }[];

interface Family {
  render(): Promise<string[]>;
}

export class Counter {
  readonly #values = new Map<string, { labels: Labels; value: number }>();

  constructor(readonly name: string) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const entry = this.#values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.#values.set(key, entry);
  }

  /** Series that start at 0 before anything happens, so that rate() sees the first one. */
  declare(labels: Labels): void {
    this.inc(labels, 0);
  }

  lines(): string[] {
    return [...this.#values.values()].map(
      ({ labels, value }) => `${this.name}${labelText(labels)} ${value}`,
    );
  }
}

export class Histogram {
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(
    readonly name: string,
    readonly buckets: readonly number[],
  ) {
    this.#counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.#sum += value;
    this.#count++;
    this.buckets.forEach((bound, i) => {
      if (value <= bound) this.#counts[i]!++;
    });
  }

  lines(): string[] {
    return [
      ...this.buckets.map((bound, i) => `${this.name}_bucket{le="${bound}"} ${this.#counts[i]}`),
      `${this.name}_bucket{le="+Inf"} ${this.#count}`,
      `${this.name}_sum ${this.#sum}`,
      `${this.name}_count ${this.#count}`,
    ];
  }
}

export class MetricsRegistry {
  readonly #families = new Map<string, Family>();

  counter(name: string, help: string): Counter {
    const counter = new Counter(name);
    this.#add(name, help, 'counter', async () => counter.lines());
    return counter;
  }

  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    const histogram = new Histogram(name, buckets);
    this.#add(name, help, 'histogram', async () => histogram.lines());
    return histogram;
  }

  /** A gauge whose value is read when Prometheus scrapes; a name registered twice replaces the first. */
  gauge(name: string, help: string, read: () => GaugeReading | Promise<GaugeReading>): void {
    this.#add(name, help, 'gauge', async () => {
      const reading = await read();
      if (typeof reading === 'number') return [`${name} ${reading}`];
      return reading.map(({ labels, value }) => `${name}${labelText(labels)} ${value}`);
    });
  }

  async render(): Promise<string> {
    const blocks = await Promise.all([...this.#families.values()].map((f) => f.render()));
    return blocks.flat().join('\n') + '\n';
  }

  #add(name: string, help: string, type: string, lines: () => Promise<string[]>): void {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`bad metric name ${name}`);
    this.#families.set(name, {
      render: async () => [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...(await lines())],
    });
  }
}

function labelText(labels: Labels): string {
  const pairs = Object.entries(labels);
  if (pairs.length === 0) return '';
  const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${pairs.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`;
}
