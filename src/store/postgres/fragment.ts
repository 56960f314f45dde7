/** A piece of SQL with `?` for each of its values, in order (as SQLite's code writes them). */
export interface Fragment {
  readonly sql: string;
  readonly params: readonly unknown[];
}

export const fragment = (sql: string, ...params: unknown[]): Fragment => ({ sql, params });

/** `WHERE a AND b`, or nothing when there are no conditions. */
export function where(conditions: readonly Fragment[]): Fragment {
  if (conditions.length === 0) return fragment('');
  return {
    sql: 'WHERE ' + conditions.map((c) => c.sql).join(' AND '),
    params: conditions.flatMap((c) => c.params),
  };
}

export function join(parts: readonly Fragment[], separator = ' '): Fragment {
  return { sql: parts.map((p) => p.sql).join(separator), params: parts.flatMap((p) => p.params) };
}

/**
 * The fragment as PostgreSQL's numbered parameters. Only the store's own SQL text is
 * rewritten: every value, a search term included, travels as a parameter.
 */
export function numbered(query: Fragment): { text: string; values: unknown[] } {
  let n = 0;
  return { text: query.sql.replace(/\?/g, () => `$${++n}`), values: [...query.params] };
}
