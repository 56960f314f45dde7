import { sql as initial } from './001-initial.js';
import { sql as tags } from './002-tags.js';
import { sql as actorsAndProbe } from './003-actors-and-probe.js';
import { sql as instance } from './004-instance.js';
import { sql as dropRelayCursor } from './005-drop-relay-cursor.js';
import { sql as webhooks } from './006-webhooks.js';
import { sql as leasesAndStaging } from './007-leases-and-staging.js';

/**
 * PostgreSQL's migrations, numbered on their own (SQLite's are in ../../migrations/), applied
 * in order at startup in one transaction; sluice_schema.version records the last one applied.
 */
export const MIGRATIONS: readonly { readonly version: number; readonly sql: string }[] = [
  { version: 1, sql: initial },
  { version: 2, sql: tags },
  { version: 3, sql: actorsAndProbe },
  { version: 4, sql: instance },
  { version: 5, sql: dropRelayCursor },
  { version: 6, sql: webhooks },
  { version: 7, sql: leasesAndStaging },
];
