import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN } from '../helpers/process.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';

// `sluice sendmail` and the `sendmail` bin, run as built, with the flags that PHP's mail(),
// cron and Symfony Mailer pass, against a real Sluice.

const SENDMAIL_BIN = fileURLToPath(new URL('../../dist/bin/sendmail.js', import.meta.url));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the `sendmail` bin (or `sluice sendmail` with `viaSluice`) with `input` on stdin. */
function sendmail(
  args: string[],
  input: string | null,
  options: { env?: Record<string, string>; viaSluice?: boolean } = {},
): Promise<Result> {
  const argv = options.viaSluice ? [MAIN, 'sendmail', ...args] : [SENDMAIL_BIN, ...args];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, {
      env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...options.env },
      stdio: [input === null ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    if (input !== null) child.stdin!.end(input);
  });
}

/** php-cli with SLUICE_SMTP naming the test's Sluice, as a PHP app's environment would. */
function php(args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn('php', args, {
      env: { PATH: process.env.PATH ?? '', SLUICE_SMTP: smtp },
      stdio: 'inherit',
    });
    child.on('exit', resolve);
  });
}

let sluice: TestSluice;
let smtp: string;
beforeAll(async () => {
  sluice = await startSluice(['--max-message-size', '4KB']);
  smtp = `127.0.0.1:${sluice.smtpPort}`;
});
afterAll(() => sluice?.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function newest(): Promise<any> {
  const { messages } = await sluice.getJson('/api/messages?limit=1');
  const detail = await sluice.getJson(`/api/messages/${messages[0].id}`);
  const raw = await (await sluice.api(`/api/messages/${messages[0].id}/raw`)).text();
  return { ...detail, raw };
}

const MESSAGE = [
  'From: App <app@example.com>',
  'To: Ann <ann@example.com>, bob@example.com',
  'Cc: carol@example.com',
  'Bcc: hidden@example.com,',
  ' also-hidden@example.com',
  'Subject: SUBJECT',
  '',
  'Hello.',
  '',
].join('\n');

describe('delivering a message read on stdin', () => {
  it('-t sends to To, Cc and Bcc, removes Bcc, and takes the sender from From', async () => {
    const result = await sendmail(['-t', '--smtp', smtp], MESSAGE.replace('SUBJECT', 'with -t'));
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const stored = await newest();
    expect(stored.subject).toBe('with -t');
    expect(stored.envelope).toEqual({
      mailFrom: 'app@example.com',
      rcptTo: [
        'ann@example.com',
        'bob@example.com',
        'carol@example.com',
        'hidden@example.com',
        'also-hidden@example.com',
      ],
    });
    expect(stored.raw).not.toMatch(/^Bcc:/im);
    expect(stored.raw).not.toContain('hidden@example.com');
    expect(stored.raw).toContain('Cc: carol@example.com\r\n');
  });

  it('-f sets the envelope sender; recipients come from the arguments, comma lists too', async () => {
    const result = await sendmail(
      ['-f', 'bounce@example.com', 'one@example.com', 'two@example.com,three@example.com'],
      MESSAGE.replace('SUBJECT', 'with -f'),
      { env: { SLUICE_SMTP: smtp }, viaSluice: true },
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const stored = await newest();
    expect(stored.envelope).toEqual({
      mailFrom: 'bounce@example.com',
      rcptTo: ['one@example.com', 'two@example.com', 'three@example.com'],
    });
    // Without -t the Bcc header is the caller's business and stays.
    expect(stored.raw).toContain('Bcc: hidden@example.com');
  });

  it('a line holding only "." ends the message, unless -i or -oi is given', async () => {
    const body = 'Subject: dots\n\nbefore\n.\nafter\n..two dots\n';
    expect((await sendmail(['--smtp', smtp, 'a@example.com'], body)).code).toBe(0);
    expect((await newest()).raw).toBe('Subject: dots\r\n\r\nbefore\r\n');
    for (const flag of ['-i', '-oi']) {
      expect((await sendmail([flag, '--smtp', smtp, 'a@example.com'], body)).code).toBe(0);
      expect((await newest()).raw).toBe(
        'Subject: dots\r\n\r\nbefore\r\n.\r\nafter\r\n..two dots\r\n',
      );
    }
  });

  it('accepts and ignores what callers pass: -odi -oem -om -v -F NAME -Am', async () => {
    const args = ['-odi', '-oem', '-om', '-v', '-F', 'The App', '-Am', '--smtp', smtp, '-t'];
    const result = await sendmail(args, MESSAGE.replace('SUBJECT', 'ignored flags'));
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect((await newest()).subject).toBe('ignored flags');
  });

  it("PHP's mail() with sendmail_path, its additional -f parameter as the envelope sender", async (context) => {
    if (!existsSync('/usr/bin/php')) context.skip();
    const dir = mkdtempSync(join(tmpdir(), 'sluice-php-'));
    try {
      const ini = join(dir, 'php.ini');
      writeFileSync(ini, `sendmail_path = "${process.execPath} ${SENDMAIL_BIN} -t -i"\n`);
      const code = [
        '$ok = mail("dev@example.com", "From PHP", "Line one.\\n.\\nLine three.",',
        '  "From: shop@example.com\\r\\nCc: boss@example.com", "-fbounces@example.com");',
        'exit($ok ? 0 : 1);',
      ].join('\n');
      expect(await php(['-c', ini, '-r', code])).toBe(0);
      const stored = await newest();
      expect(stored.subject).toBe('From PHP');
      expect(stored.envelope).toEqual({
        mailFrom: 'bounces@example.com',
        rcptTo: ['dev@example.com', 'boss@example.com'],
      });
      // -i: the lone dot in the text is kept.
      expect(stored.text).toContain('Line one.\n.\nLine three.');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('-bs: SMTP on stdin and stdout', () => {
  it('relays a whole SMTP conversation to Sluice', async () => {
    const conversation = [
      'EHLO bs.test',
      'MAIL FROM:<bs@example.com>',
      'RCPT TO:<dev@example.com>',
      'DATA',
      'Subject: over -bs',
      '',
      'hi',
      '.',
      'QUIT',
      '',
    ].join('\r\n');
    const result = await sendmail(['-bs', '--smtp', smtp], conversation);
    expect(result.code).toBe(0);
    const codes = result.stdout.split('\r\n').map((line) => line.slice(0, 4));
    expect(codes[0]).toBe('220 ');
    expect(result.stdout).toMatch(/^250 2\.0\.0 Ok: queued as \d+\r$/m);
    expect(result.stdout).toMatch(/^221 /m);
    expect((await newest()).envelope).toEqual({
      mailFrom: 'bs@example.com',
      rcptTo: ['dev@example.com'],
    });
  });

  it("is what Symfony Mailer's sendmail transport speaks with -bs", async (context) => {
    const autoload = '/usr/share/php/Symfony/Component/Mailer/autoload.php';
    if (!existsSync(autoload)) context.skip();
    const command = encodeURIComponent(`${process.execPath} ${SENDMAIL_BIN} -bs`);
    const code = [
      `require '${autoload}';`,
      `$transport = Symfony\\Component\\Mailer\\Transport::fromDsn('sendmail://default?command=${command}');`,
      '(new Symfony\\Component\\Mailer\\Mailer($transport))->send((new Symfony\\Component\\Mime\\Email())',
      "  ->from('sf@example.com')->to('dev@example.com')->subject('Symfony over -bs')->text('hi'));",
    ].join('\n');
    expect(await php(['-r', code])).toBe(0);
    const stored = await newest();
    expect(stored.subject).toBe('Symfony over -bs');
    expect(stored.envelope.mailFrom).toBe('sf@example.com');
  });
});

describe('exit codes (sysexits)', () => {
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  it('75 (EX_TEMPFAIL) when Sluice is not running, naming the address it tried', async () => {
    const down = `127.0.0.1:${await closedPort()}`;
    const result = await sendmail(['-t', '--smtp', down], MESSAGE);
    expect(result.code).toBe(75);
    expect(result.stderr).toContain(`cannot reach Sluice at ${down}`);
    expect(result.stderr).toContain('ECONNREFUSED');
  });

  it('75 with a 421 on stdout for -bs when Sluice is not running', async () => {
    const down = `127.0.0.1:${await closedPort()}`;
    const result = await sendmail(['-bs', '--smtp', down], 'EHLO x\r\n');
    expect(result.code).toBe(75);
    expect(result.stdout).toMatch(/^421 4\.3\.0 cannot reach Sluice/);
  });

  it('69 (EX_UNAVAILABLE) when Sluice refuses the message for good (552, too large)', async () => {
    const big = `Subject: big\n\n${'x'.repeat(8000)}\n`;
    const result = await sendmail(['--smtp', smtp, 'a@example.com'], big);
    expect(result.code).toBe(69);
    expect(result.stderr).toMatch(/refused the message: 552/);
  });

  it('64 (EX_USAGE) for an unknown option or no recipients', async () => {
    const unknown = await sendmail(['-Z', '--smtp', smtp], MESSAGE);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('unknown option -Z');
    const none = await sendmail(['--smtp', smtp], 'Subject: to nobody\n\nhi\n');
    expect(none.code).toBe(64);
    expect(none.stderr).toContain('no recipients');
  });

  it('66 (EX_NOINPUT) when there is no message on stdin', async () => {
    const result = await sendmail(['--smtp', smtp, 'a@example.com'], null);
    expect(result.code).toBe(66);
    expect(result.stderr).toContain('no message on standard input');
  });

  it('78 (EX_CONFIG) for a bad address setting, naming it', async () => {
    const result = await sendmail(['a@example.com'], MESSAGE, { env: { SLUICE_SMTP: 'nowhere' } });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('--smtp (SLUICE_SMTP): "nowhere" is not valid');
  });
});
