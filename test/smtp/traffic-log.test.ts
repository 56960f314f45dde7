import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import { TrafficLog } from '../../src/smtp/traffic-log.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { RawSmtp } from '../helpers/smtp-client.js';

function captured() {
  const lines: string[] = [];
  return { lines, logger: createLogger('info', (line) => lines.push(line)) };
}

describe('the SMTP traffic log', () => {
  it('writes a line per refusal up to a bound, then counts them in the summary', () => {
    const { lines, logger } = captured();
    const log = new TrafficLog({ logger });
    for (let i = 0; i < 25; i++) log.refused('192.0.2.7', 552, 'Message exceeds the maximum size');
    log.stored();
    expect(lines.filter((line) => line.includes('refused client=192.0.2.7 code=552'))).toHaveLength(
      10,
    );
    log.close();
    expect(lines.at(-1)).toMatch(
      /mail until shutdown stored=1 refused=25 codes=552×25 unlogged=15/,
    );
  });

  it('writes a summary line per window while mail flows', async () => {
    const { lines, logger } = captured();
    const log = new TrafficLog({ logger, summaryEveryMs: 50 });
    log.stored();
    log.stored();
    await vi.waitFor(() =>
      expect(lines).toContainEqual(
        expect.stringMatching(/mail last 0\.05 s stored=2 refused=0\s*$/),
      ),
    );
    log.stored();
    log.refused('192.0.2.7', 451, 'Too much mail in flight');
    await vi.waitFor(() =>
      expect(lines).toContainEqual(
        expect.stringMatching(/mail last 0\.05 s stored=1 refused=1 codes=451×1\s*$/),
      ),
    );
    log.close();
  });

  it('writes nothing for a window in which nothing happened', () => {
    const { lines, logger } = captured();
    new TrafficLog({ logger }).close();
    expect(lines).toEqual([]);
  });
});

// Issue 10: at the default log level, refused mail left no trace.
describe('refusals at the default log level', () => {
  const { lines, logger } = captured();
  let sluice: TestSluice;
  beforeAll(async () => {
    sluice = await startSluice(['--max-message-size', '1KB'], { app: { logger } });
  });
  afterAll(() => sluice.close());

  it('logs the client and the reason of a refused message', async () => {
    const client = await RawSmtp.open(sluice.smtpPort);
    await client.reply();
    await client.command('EHLO big.test');
    await client.command('MAIL FROM:<a@example.com>');
    await client.command('RCPT TO:<b@example.com>');
    await client.command('DATA');
    const refused = await client.command(`Subject: big\r\n\r\n${'x'.repeat(4096)}\r\n.`);
    expect(refused.code).toBe(552);
    client.destroy();
    await vi.waitFor(() =>
      expect(lines.join('')).toMatch(/warn {2}\[smtp\] refused client=127\.0\.0\.1 code=552 /),
    );
  });
});
