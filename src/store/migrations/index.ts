import { sql as initial } from './001-initial.js';

/** Applied in order at startup; the database's user_version records the last one applied. */
export const MIGRATIONS: readonly { readonly version: number; readonly sql: string }[] = [
  { version: 1, sql: initial },
];
