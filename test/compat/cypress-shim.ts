/**
 * Just enough of Cypress's command runtime to run a Cypress plugin's own code in Node, with
 * `cy.request` done by fetch against a running Sluice. Cypress itself cannot run here; this
 * replays the plugin's exact requests (recorded in `requests`) and hands back what the
 * plugin would yield, so that tests assert on the fields the plugin reads.
 */

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly status: number;
}

interface RequestOptions {
  method?: string;
  url: string;
  qs?: Record<string, unknown>;
  body?: unknown;
  headers?: Record<string, string>;
  auth?: { user: string; pass: string } | string | undefined;
  failOnStatusCode?: boolean;
}

type Command = (...args: unknown[]) => unknown;

/** A Cypress chainable over a promise: `then` unwraps chainables; `undefined` keeps the subject. */
export class Chain<T = unknown> {
  constructor(readonly value: Promise<T>) {}

  then<U>(callback: (subject: T) => U): Chain<unknown> {
    return new Chain(
      this.value.then(async (subject) => {
        const result = await unwrap(callback(subject));
        return result === undefined ? subject : result;
      }),
    );
  }

  its(name: string): Chain<unknown> {
    return new Chain(this.value.then((subject) => (subject as Record<string, unknown>)[name]));
  }

  /** Assertions are the test's job, after it has the value. */
  should(): Chain<T> {
    return this;
  }

  /** The yielded subject, for a test to await. */
  result(): Promise<T> {
    return this.value;
  }
}

async function unwrap(value: unknown): Promise<unknown> {
  return value instanceof Chain ? unwrap(await value.value) : value;
}

export interface CypressShim {
  readonly requests: RecordedRequest[];
  /** Runs a registered command by name; a child command takes its subject first. */
  run(name: string, ...args: unknown[]): Promise<unknown>;
}

/** Installs `Cypress` and `cy` globals; `settings` answers Cypress.env/config/expose. */
export function installCypress(settings: Record<string, unknown>): CypressShim {
  const requests: RecordedRequest[] = [];
  const commands = new Map<string, { fn: Command; child: boolean }>();

  const request = (options: RequestOptions) =>
    new Chain(
      (async () => {
        const url = new URL(options.url);
        for (const [key, value] of Object.entries(options.qs ?? {}))
          url.searchParams.set(key, String(value));
        const headers: Record<string, string> = { ...options.headers };
        if (options.auth && typeof options.auth === 'object') {
          headers.authorization = `Basic ${Buffer.from(`${options.auth.user}:${options.auth.pass}`).toString('base64')}`;
        }
        let body: string | undefined;
        if (options.body !== undefined && options.body !== null) {
          body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
          if (typeof options.body !== 'string') headers['content-type'] = 'application/json';
        }
        const method = options.method ?? 'GET';
        const response = await fetch(url, { method, headers, body });
        const text = await response.text();
        requests.push({ method, url: url.pathname + url.search, status: response.status });
        if (options.failOnStatusCode !== false && response.status >= 400)
          throw new Error(
            `cy.request failed: ${method} ${url} answered ${response.status}: ${text}`,
          );
        // Cypress parses a JSON content type (MailHog's text/json included).
        const json = /json/.test(response.headers.get('content-type') ?? '') && text !== '';
        return {
          status: response.status,
          body: json ? JSON.parse(text) : text,
          headers: response.headers,
        };
      })(),
    );

  const cy: Record<string, unknown> = {
    request,
    wrap: (value: unknown) => new Chain(Promise.resolve(value)),
    wait: (ms: number) => new Chain(new Promise((resolve) => setTimeout(resolve, ms))),
    env: (names: string[]) =>
      new Chain(Promise.resolve(Object.fromEntries(names.map((n) => [n, settings[n]])))),
    // Retried assertions need Cypress; the tests send the mail before asking.
    verifyUpcomingAssertions: (subject: unknown) => new Chain(Promise.resolve(subject)),
    origin: (base: string, options: { args: unknown }, fn: (args: unknown) => void) => {
      const previous = cy.visit;
      cy.visit = (path: string) => request({ url: new URL(path, base).href });
      fn(options.args);
      cy.visit = previous;
    },
  };

  const Cypress = {
    env: (name: string) => settings[name],
    config: (name: string) => settings[name],
    expose: (name: string) => settings[name],
    Commands: {
      add(name: string, optionsOrFn: unknown, maybeFn?: Command) {
        const fn = (maybeFn ?? optionsOrFn) as Command;
        const child = Boolean(maybeFn && (optionsOrFn as { prevSubject?: unknown }).prevSubject);
        commands.set(name, { fn, child });
        if (!child) cy[name] = (...args: unknown[]) => fn(...args);
        else
          (Chain.prototype as unknown as Record<string, unknown>)[name] = function (
            this: Chain,
            ...args: unknown[]
          ) {
            return this.then((subject) => fn(subject, ...args));
          };
      },
    },
  };
  Object.assign(globalThis, { Cypress, cy });

  return {
    requests,
    async run(name, ...args) {
      const command = commands.get(name);
      if (!command) throw new Error(`no command ${name}`);
      return unwrap(command.fn(...args));
    },
  };
}
