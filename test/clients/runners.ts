import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Snippet } from '../../ui/src/snippets/snippets.js';
import { MAIN } from '../helpers/process.js';

/**
 * Each connect snippet run by the client it is written for, exactly as shown: code is
 * executed as it stands, and settings (settings.py, .env, application.properties,
 * php.ini) are read by that framework's own mail code, or by a line-for-line copy of how
 * the framework applies them where the framework itself is not installed here.
 */
export interface RunContext {
  /** A fresh directory for the snippet's files. */
  readonly dir: string;
  /** Extra environment: how the test stands in for "the CA is trusted". */
  readonly env: Record<string, string>;
  /** Subject for snippets that are settings only (the test composes the message). */
  readonly subject: string;
}

export interface Runner {
  /** The executable it needs; the test is skipped with a note without it. */
  readonly needs: string;
  /** The subject of the message it sends (its own, or the context's). */
  readonly run: (snippet: Snippet, context: RunContext) => Promise<string>;
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SYMFONY_MAILER = '/usr/share/php/Symfony/Component/Mailer/autoload.php';
const JAKARTA_MAIL = ['/usr/share/java/jakarta-mail.jar', '/usr/share/java/jakarta-activation.jar'];
const SCRIPTS = fileURLToPath(new URL('./scripts/', import.meta.url));

export const RUNNERS: Record<string, Runner> = {
  django: settingsOnly('/usr/bin/python3', (file, c) =>
    run('/usr/bin/python3', [join(SCRIPTS, 'django_send.py'), file, c.subject], c),
  ),
  rails: settingsOnly('/usr/bin/ruby', (file, c) =>
    run('/usr/bin/ruby', [join(SCRIPTS, 'rails_send.rb'), file, c.subject], c),
  ),
  laravel: settingsOnly(SYMFONY_MAILER, (file, c) =>
    run('php', [join(SCRIPTS, 'laravel_send.php'), file, c.subject], c),
  ),
  symfony: settingsOnly(SYMFONY_MAILER, (file, c) =>
    run('php', [join(SCRIPTS, 'symfony_send.php'), file, c.subject], c),
  ),
  spring: settingsOnly(JAKARTA_MAIL[0]!, async (file, c) => {
    const classes = await compileSpringMail();
    return run(
      'java',
      ['-cp', [...JAKARTA_MAIL, classes].join(':'), 'SpringMail', file, c.subject],
      c,
    );
  }),
  php: settingsOnly('/usr/bin/php', (file, c) =>
    run(
      'php',
      [
        '-c',
        file,
        '-r',
        'exit(mail("you@example.com", $argv[1], "It works.", "From: app@example.com") ? 0 : 1);',
        c.subject,
      ],
      { ...c, env: { ...c.env, PATH: `${sluiceOnPath(c.dir)}${delimiter}${process.env.PATH}` } },
    ),
  ),
  go: ownMessage('/usr/bin/go', 'Hello from Go', (snippet, c) => {
    const file = join(c.dir, 'main.go');
    writeFileSync(file, snippet.code);
    const cache = join(tmpdir(), 'sluice-test-go-cache');
    mkdirSync(cache, { recursive: true });
    return run('go', ['run', file], {
      ...c,
      env: {
        GOCACHE: cache,
        GOPATH: join(c.dir, 'gopath'),
        GOPROXY: 'off',
        GOFLAGS: '-mod=mod',
        ...c.env,
      },
    });
  }),
  node: ownMessage(process.execPath, 'Hello from Node', (snippet, c) =>
    // --eval resolves `import nodemailer` from the working directory: this repository.
    run(process.execPath, ['--input-type=module', '--eval', snippet.code], { ...c, cwd: REPO }),
  ),
  python: ownMessage('/usr/bin/python3', 'Hello from Python', (snippet, c) =>
    run('/usr/bin/python3', ['-c', snippet.code], c),
  ),
  swaks: ownMessage('/usr/bin/swaks', 'Hello from swaks', (snippet, c) =>
    run('/bin/sh', ['-c', snippet.code], c),
  ),
};

let springMail: Promise<string> | undefined;

/** javac once per test run: compiling the source on every `java File.java` costs seconds. */
function compileSpringMail(): Promise<string> {
  springMail ??= (async () => {
    const classes = mkdtempSync(join(tmpdir(), 'sluice-test-java-'));
    const source = join(SCRIPTS, 'SpringMail.java');
    await run('javac', ['-cp', JAKARTA_MAIL.join(':'), '-d', classes, source], {
      dir: classes,
      env: {},
      subject: '',
    });
    return classes;
  })();
  return springMail;
}

/** Removes what compileSpringMail made. */
export async function removeCompiled(): Promise<void> {
  const classes = await springMail?.catch(() => undefined);
  if (classes) rmSync(classes, { recursive: true, force: true });
}

/** A snippet that is a settings file: written as it is, read by the framework's mail code. */
function settingsOnly(
  needs: string,
  send: (file: string, context: RunContext) => Promise<unknown>,
): Runner {
  return {
    needs,
    async run(snippet, context) {
      const file = join(context.dir, snippet.file.split('/').pop()!);
      writeFileSync(file, snippet.code + '\n');
      await send(file, context);
      return context.subject;
    },
  };
}

function ownMessage(
  needs: string,
  subject: string,
  send: (snippet: Snippet, context: RunContext) => Promise<unknown>,
): Runner {
  return {
    needs,
    async run(snippet, context) {
      await send(snippet, context);
      return subject;
    },
  };
}

/** `sluice` on PATH, as `npm install -g` or `npm link` would put it. */
function sluiceOnPath(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const wrapper = join(bin, 'sluice');
  writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${MAIN}" "$@"\n`, { mode: 0o755 });
  return bin;
}

/** Runs a client; a failure carries its output, so the test says why the snippet failed. */
function run(
  command: string,
  args: string[],
  context: RunContext & { cwd?: string },
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd: context.cwd ?? context.dir,
        env: { PATH: process.env.PATH ?? '', HOME: context.dir, ...context.env },
        timeout: 120_000,
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} failed: ${error.message}\n${stdout}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/** Whether this machine has what the runner needs (CI installs all of it: .ci/run). */
export function available(runner: Runner): boolean {
  return existsSync(runner.needs);
}
