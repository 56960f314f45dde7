import { sql as initial } from './001-initial.js';
import { sql as relay } from './002-relay.js';
import { sql as searchPending } from './003-search-pending.js';
import { sql as rawPieces } from './004-raw-pieces.js';
import { sql as pendingSize } from './005-pending-size.js';
import { sql as actorsAndProbe } from './006-actors-and-probe.js';
import { sql as dropRelayCursor } from './007-drop-relay-cursor.js';
import { sql as stagedPieces } from './008-staged-pieces.js';
import { sql as tags } from './009-tags.js';
import { sql as instance } from './010-instance.js';
import { sql as webhooks } from './011-webhooks.js';

/**
 * Applied in order at startup; the database's user_version records the last one applied.
 * Versions only ever increase; they need not be consecutive.
 */
export const MIGRATIONS: readonly { readonly version: number; readonly sql: string }[] = [
  { version: 1, sql: initial },
  { version: 2, sql: relay },
  { version: 3, sql: searchPending },
  { version: 4, sql: rawPieces },
  { version: 5, sql: pendingSize },
  { version: 6, sql: actorsAndProbe },
  { version: 7, sql: dropRelayCursor },
  { version: 8, sql: stagedPieces },
  { version: 9, sql: tags },
  { version: 10, sql: instance },
  { version: 11, sql: webhooks },
];
