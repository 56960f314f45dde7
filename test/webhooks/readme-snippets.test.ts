import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runPython } from '../helpers/python.js';
import { startSluice, type TestSluice } from '../helpers/sluice.js';
import { sendMessages, TestReceiver, type Received } from './receiver.js';

// README's signature checks, run as written (Node and Debian's Python) on a real delivery.

const run = promisify(execFile);
const SECRET = 'readme-secret-value';
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const webhooksSection = readme.slice(readme.indexOf('## Webhooks'), readme.indexOf('## Metrics'));

function snippet(language: 'js' | 'python'): string {
  const block = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(webhooksSection);
  if (!block) throw new Error(`README's Webhooks section has no ${language} block`);
  return block[1]!;
}

let sluice: TestSluice;
let receiver: TestReceiver;
let delivery: Received;
let dir: string;

beforeAll(async () => {
  receiver = await TestReceiver.listen();
  sluice = await startSluice([
    '--webhook',
    receiver.url,
    '--webhook-secret',
    SECRET,
    '--webhook-allow-private',
  ]);
  await sendMessages(sluice.smtpPort, 1);
  await vi.waitFor(() => expect(receiver.received).toHaveLength(1), { timeout: 20_000 });
  delivery = receiver.received[0]!;
  dir = mkdtempSync(join(tmpdir(), 'sluice-readme-hooks-'));
  writeFileSync(join(dir, 'body'), delivery.body);
});
afterAll(async () => {
  await sluice.close();
  await receiver.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const header = () => String(delivery.headers['sluice-signature']);

describe("README's webhook signature snippets", () => {
  it('Node: accepts the delivery and refuses a wrong secret', async () => {
    const file = join(dir, 'verify.mjs');
    writeFileSync(
      file,
      `${snippet('js')}\nimport { readFileSync } from 'node:fs';\n` +
        `const body = readFileSync(process.argv[4], 'utf8');\n` +
        `console.log(JSON.stringify(verifySluice(process.argv[2], process.argv[3], body)));\n`,
    );
    const verify = async (secret: string) =>
      JSON.parse((await run(process.execPath, [file, secret, header(), join(dir, 'body')])).stdout);
    expect(await verify(SECRET)).toBe(true);
    expect(await verify('wrong')).toBe(false);
  });

  it('Python: accepts the delivery and refuses a wrong secret', async () => {
    const script =
      `${snippet('python')}\nimport json, sys\n` +
      `body = open(sys.argv[3], "rb").read()\n` +
      `print(json.dumps(verify_sluice(sys.argv[1], sys.argv[2], body)))\n`;
    expect(await runPython(script, [SECRET, header(), join(dir, 'body')])).toBe(true);
    expect(await runPython(script, ['wrong', header(), join(dir, 'body')])).toBe(false);
  });

  it('the --webhook flag names its webhook "webhook" and signs', async () => {
    expect(delivery.headers['sluice-webhook']).toBe('webhook');
    const [status] = (await sluice.getJson('/api/webhooks')).webhooks;
    expect(status).toMatchObject({ name: 'webhook', signed: true });
  });
});
