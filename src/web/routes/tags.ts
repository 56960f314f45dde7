import { Hono } from 'hono';
import { z } from 'zod';
import { badRequest } from '../errors.js';
import { jsonBody } from '../input.js';

import type { Store } from '../../store/types.js';

const setSchema = z
  .object({
    ids: z.array(z.number().int().positive()).min(1).max(10_000),
    tags: z.array(z.string()).max(50),
  })
  .strict();
const renameSchema = z.object({ name: z.string().trim().min(1).max(100) }).strict();

/** Tags: every tag in use, a message's set replaced, a tag renamed or removed everywhere. */
export function tagRoutes(store: Store) {
  const app = new Hono();
  app.get('/tags', async (c) => c.json({ tags: await store.listTags() }));
  app.put('/tags', async (c) => {
    const body = setSchema.safeParse(await jsonBody(c));
    if (!body.success) throw badRequest('expected {"ids": [1, 2], "tags": ["a", "b"]}');
    return c.json({ updated: await store.setTags(body.data.ids, body.data.tags) });
  });
  app.patch('/tags/:tag', async (c) => {
    const body = renameSchema.safeParse(await jsonBody(c));
    if (!body.success) throw badRequest('expected {"name": "new name"}');
    return c.json({ updated: await store.renameTag(c.req.param('tag'), body.data.name) });
  });
  app.delete('/tags/:tag', async (c) =>
    c.json({ updated: await store.deleteTag(c.req.param('tag')) }),
  );
  return app;
}
