import type { BenchContext } from '../lib/context.js';
import { sizedMessage } from '../lib/generator.js';
import { sendOnce } from '../lib/load.js';
import { settledCount, startTarget, TARGET_NAMES, type Target } from '../lib/servers.js';
import { missing, toCell, type Figure } from '../lib/stats.js';

const MB = 1024 * 1024;
/** 50 MB (decimal): just under the 50 MiB default limit of both Sluice and MailDev. */
const MESSAGE_BYTES = 50_000_000;

/** A message with one big base64 attachment, as a real 37 MB file would travel. */
export function bigMessage(): Buffer {
  const head = Buffer.from(
    [
      'From: Bench <bench@bench.example>',
      'To: inbox@bench.example',
      'Subject: a 50 MB message',
      'Message-ID: <big@bench.example>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="big-b3nch"',
      '',
      '--big-b3nch',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'The attachment is large.',
      '--big-b3nch',
      'Content-Type: application/octet-stream; name="big.bin"',
      'Content-Disposition: attachment; filename="big.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      '',
    ].join('\r\n'),
  );
  const tail = Buffer.from('\r\n--big-b3nch--\r\n');
  const lineBytes = 78; // 76 base64 characters and CRLF
  const lines = Math.floor((MESSAGE_BYTES - head.length - tail.length) / lineBytes);
  const binary = Buffer.alloc(lines * 57);
  for (let i = 0; i + 4 <= binary.length; i += 4) binary.writeUInt32LE((i * 2654435761) >>> 0, i);
  const base64 = binary.toString('base64');
  const body = Buffer.alloc(lines * lineBytes);
  for (let i = 0; i < lines; i++) {
    body.write(base64.slice(i * 76, i * 76 + 76), i * lineBytes, 'latin1');
    body.write('\r\n', i * lineBytes + 76, 'latin1');
  }
  return Buffer.concat([head, body, tail]);
}

interface RunResult {
  readonly growthMb: number;
  readonly seconds: number;
}

/** Peak memory growth while one 50 MB message is received, parsed and stored. */
export async function runLargeMessage(ctx: BenchContext): Promise<void> {
  const raw = bigMessage();
  const targets = ctx.peers.filter((t) => t !== 'sink');
  const results = new Map<Target, RunResult[]>();
  for (let run = 1; run <= ctx.runs; run++) {
    for (const target of targets) {
      const server = await startTarget(ctx, target, `large-${target}`);
      try {
        // A small message first, so that code loaded on first use is not counted as growth.
        await sendOnce(server.smtpPort, sizedMessage(0, 2048).raw);
        await new Promise((resolve) => setTimeout(resolve, 500));
        const before = server.sample();
        const started = performance.now();
        await sendOnce(server.smtpPort, raw);
        const seconds = (performance.now() - started) / 1000;
        const stored = await settledCount(server, 2);
        if (stored !== 2) throw new Error(`${TARGET_NAMES[target]} stored ${stored} of 2`);
        const after = server.sample();
        const growthMb = (after.peakRssBytes - before.rssBytes) / MB;
        results.set(target, [...(results.get(target) ?? []), { growthMb, seconds }]);
        ctx.log(
          `large message run ${run}/${ctx.runs} ${TARGET_NAMES[target]}: accepted in ` +
            `${seconds.toFixed(2)} s, peak RSS growth ${growthMb.toFixed(0)} MB`,
        );
      } finally {
        await server.stop();
      }
    }
  }
  const values = (pick: (r: RunResult) => number) => {
    const out: Partial<Record<Target, Figure>> = { sink: missing('keeps nothing') };
    for (const [target, runs] of results) out[target] = toCell(runs.map(pick));
    return out;
  };
  const group = `One ${(raw.length / 1e6).toFixed(0)} MB message (${(raw.length / MB).toFixed(1)} MiB)`;
  ctx.rows.push(
    {
      id: 'large-rss-growth',
      group,
      figure: 'peak RSS growth while accepting it',
      unit: 'MB',
      better: 'lower',
      values: values((r) => r.growthMb),
      target: { op: '<=', value: (2 * raw.length) / MB },
    },
    {
      id: 'large-accept-seconds',
      group,
      figure: 'time to 250',
      unit: 's',
      better: 'lower',
      values: values((r) => r.seconds),
    },
  );
}
