import type { MiddlewareHandler } from 'hono';
import { describeOption } from '../../config/errors.js';
import { ApiError } from '../errors.js';
import { hasRole, type Role } from './principal.js';

/**
 * Lets a route through only for principals with `role` (releaser includes reader). Every
 * route needs at least a signed-in reader (authentication sees to that); routes that let
 * mail leave declare `requireRole('releaser')`.
 */
export function requireRole(role: Role): MiddlewareHandler {
  return async function checkRole(c, next) {
    const principal = c.get('principal');
    if (!principal) throw new ApiError(401, 'unauthorized', 'Sign in first');
    if (!hasRole(principal, role)) {
      throw new ApiError(
        403,
        'forbidden_role',
        `${principal.name} is a ${principal.role}; this needs the ${role} role (${describeOption('http-releasers')})`,
      );
    }
    await next();
  };
}
