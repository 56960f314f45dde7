import { Hono, type Context } from 'hono';
import type { ChaosTrigger, ChaosTriggers } from '../../smtp/chaos.js';
import { describeError, ApiError, badRequest } from '../errors.js';
import { composeMessage, type ComposeAddress, type ComposeRequest } from '../compose.js';
import { httpClient } from '../routes/inject.js';
import { textErrors } from './errors.js';
import { bodyText, goField, parsePeerId, peerId, peerIds, stringArray, tryJson } from './shapes.js';
import type { CompatOptions } from './shapes.js';
import { requireRole } from '../auth/require-role.js';

/** Mailpit's /api/v1 routes beyond reading: send, tags, release, chaos, info. */
export function mailpitActionRoutes(options: CompatOptions) {
  const { store, capture, chaos } = options;
  const app = new Hono();
  app.onError(textErrors);

  // Errors here are JSON {"Error": "..."}, as Mailpit's send handler writes them.
  app.post('/api/v1/send', async (c) => {
    try {
      const request = sendRequest(tryJson(await bodyText(c)));
      const message = await composeMessage(request);
      const stored = await capture({ ...message, client: httpClient(c, basicAuthUser(c)) });
      return c.json({ ID: peerId(stored.id) });
    } catch (error) {
      const { status, message } = describeError(error as Error);
      return c.json({ Error: message }, status);
    }
  });

  app.get('/api/v1/tags', async (c) => c.json(await store.listTags()));
  app.put('/api/v1/tags', async (c) => {
    const body = tryJson(await bodyText(c));
    const ids = stringArray(goField(body, 'IDs'));
    const tags = stringArray(goField(body, 'Tags') ?? []);
    if (ids === null || tags === null) throw badRequest('expected {"IDs": [...], "Tags": [...]}');
    await store.setTags(peerIds(ids), tags);
    return c.text('ok');
  });
  app.put('/api/v1/tags/:tag', async (c) => {
    const name = goField(tryJson(await bodyText(c)), 'Name');
    if (typeof name !== 'string' || !name.trim()) throw badRequest('expected {"Name": "new name"}');
    await store.renameTag(c.req.param('tag'), name);
    return c.text('ok');
  });
  app.delete('/api/v1/tags/:tag', async (c) => {
    await store.deleteTag(c.req.param('tag'));
    return c.text('ok');
  });

  app.post('/api/v1/message/:id/release', requireRole('releaser'), async (c) => {
    const id = parsePeerId(c.req.param('id'));
    if (id === null) throw new ApiError(404, 'not_found', '404 page not found');
    const to = stringArray(goField(tryJson(await bodyText(c)), 'To'));
    if (!to?.length) throw badRequest('No valid addresses found');
    if (!options.relay) throw new ApiError(400, 'relay_off', 'the relay is off');
    await options.relay.release(id, { to, by: c.get('principal').name });
    return c.text('ok');
  });

  app.get('/api/v1/chaos', (c) => c.json(mailpitTriggers(enabledChaos(options).state.triggers)));
  app.put('/api/v1/chaos', async (c) => {
    const body = tryJson(await bodyText(c)) ?? {};
    const stage = (name: string): Partial<ChaosTrigger> | undefined => {
      const trigger = goField(body, name);
      if (trigger === undefined || trigger === null) return undefined;
      const errorCode = goField(trigger, 'ErrorCode');
      const probability = goField(trigger, 'Probability');
      return {
        ...(typeof errorCode === 'number' ? { errorCode } : {}),
        ...(typeof probability === 'number' ? { probability } : {}),
      };
    };
    const triggers = enabledChaos(options).setTriggers({
      sender: stage('Sender'),
      recipient: stage('Recipient'),
      authentication: stage('Authentication'),
    });
    return c.json(mailpitTriggers(triggers));
  });

  app.get('/api/v1/info', async (c) => {
    const [stats, tags] = await Promise.all([store.stats(), store.countTags()]);
    const info = options.info();
    return c.json({
      Version: `sluice ${info.version}`,
      LatestVersion: 'disabled',
      Database: info.database.path,
      DatabaseSize: stats.databaseBytes,
      Messages: stats.total,
      Unread: stats.unread,
      Tags: Object.fromEntries(tags),
      RuntimeStats: { Uptime: Math.round(process.uptime()), Memory: process.memoryUsage().rss },
    });
  });
  app.get('/api/v1/webui', (c) =>
    c.json({
      Label: '',
      MessageRelay: { Enabled: options.relay?.enabled ?? false },
      SpamAssassin: false,
      ChaosEnabled: chaos.enabled,
      DuplicatesIgnored: false,
      HideDeleteAllButton: false,
    }),
  );
  return app;
}

export function enabledChaos(options: CompatOptions) {
  if (!options.chaos.enabled)
    throw badRequest('Chaos is not enabled; start Sluice with --enable-chaos');
  return options.chaos;
}

function mailpitTriggers(triggers: ChaosTriggers) {
  const one = (t: ChaosTrigger) => ({ ErrorCode: t.errorCode, Probability: t.probability });
  return {
    Sender: one(triggers.sender),
    Recipient: one(triggers.recipient),
    Authentication: one(triggers.authentication),
  };
}

/** Mailpit's SendRequest (PascalCase, any key case) as a native compose request. */
function sendRequest(body: unknown): ComposeRequest {
  if (typeof body !== 'object' || body === null) throw badRequest('the body is not JSON');
  const from = contact(goField(body, 'From'));
  if (!from) throw badRequest('From.Email is required');
  const contacts = (name: string) =>
    list(goField(body, name)).map((value) => {
      const address = contact(value);
      if (!address) throw badRequest(`${name}: each entry needs an Email`);
      return address;
    });
  const headers = goField(body, 'Headers') ?? {};
  if (typeof headers !== 'object' || headers === null)
    throw badRequest('Headers must be an object');
  return {
    from,
    to: contacts('To'),
    cc: contacts('Cc'),
    bcc: contacts('Bcc'),
    replyTo: contacts('ReplyTo'),
    subject: text(goField(body, 'Subject')),
    text: text(goField(body, 'Text')) || undefined,
    html: text(goField(body, 'HTML')) || undefined,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])),
    tags: stringArray(goField(body, 'Tags') ?? []) ?? [],
    attachments: list(goField(body, 'Attachments')).map((a) => ({
      filename: text(goField(a, 'Filename')),
      content: text(goField(a, 'Content')),
      contentType: text(goField(a, 'ContentType')) || undefined,
      contentId: text(goField(a, 'ContentID')) || undefined,
    })),
  };
}

/** `{"Email", "Name"}`, or a bare address string (Mailpit's Bcc is a list of strings). */
function contact(value: unknown): ComposeAddress | null {
  if (typeof value === 'string') return value ? { address: value } : null;
  const email = goField(value, 'Email');
  if (typeof email !== 'string' || !email) return null;
  return { address: email, name: text(goField(value, 'Name')) };
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The user name of a Basic Authorization header, for Mailpit's `Username`. */
function basicAuthUser(c: Context): string | null {
  const header = c.req.header('authorization') ?? '';
  const match = /^Basic\s+(\S+)$/i.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  return decoded.slice(0, Math.max(0, decoded.indexOf(':'))) || null;
}
