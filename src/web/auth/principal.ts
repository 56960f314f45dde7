/** Roles on the HTTP side; each includes the ones before it. */
export type Role = 'reader' | 'releaser';
const RANK: Record<Role, number> = { reader: 1, releaser: 2 };

/** Who is calling, as authentication found out; handlers read it with `c.get('principal')`. */
export interface Principal {
  /** A user name, a token's name, or `anonymous` when no one signs in. */
  readonly name: string;
  readonly role: Role;
  /** How they proved it: a password, a bearer token, or nothing (sign-in is off). */
  readonly via: 'basic' | 'bearer' | 'none';
}

declare module 'hono' {
  interface ContextVariableMap {
    principal: Principal;
  }
}

export function hasRole(principal: Principal, role: Role): boolean {
  return RANK[principal.role] >= RANK[role];
}

/** Sign-in is off (loopback, or an explicit --http-insecure-no-auth): everyone may do everything. */
export const ANONYMOUS: Principal = Object.freeze({
  name: 'anonymous',
  role: 'releaser',
  via: 'none',
});
