import type { Store } from '../../store/types.js';
import { apiRouter } from './contract.js';
import { deleteTag, listTags, renameTag, setTags } from './tools-contract.js';

/** Tags: every tag in use, a message's set replaced, a tag renamed or removed everywhere. */
export function tagRoutes(store: Store) {
  const app = apiRouter();
  app.openapi(listTags, async (c) => c.json({ tags: await store.listTags() }, 200));
  app.openapi(setTags, async (c) => {
    const { ids, tags } = c.req.valid('json');
    return c.json({ updated: await store.setTags(ids, tags) }, 200);
  });
  app.openapi(renameTag, async (c) => {
    const { tag } = c.req.valid('param');
    return c.json({ updated: await store.renameTag(tag, c.req.valid('json').name) }, 200);
  });
  app.openapi(deleteTag, async (c) =>
    c.json({ updated: await store.deleteTag(c.req.valid('param').tag) }, 200),
  );
  return app;
}
