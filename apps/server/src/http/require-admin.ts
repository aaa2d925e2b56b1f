import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env.ts';
import type { AuthState } from '../auth/auth-state.ts';
import { ServerError } from '../errors/error-table.ts';

/** The one admin check (plain routes and tRPC procedures): the actor, or 401/403. */
export function assertAdmin(auth: AuthState): string {
  if (auth.kind === 'invalid') throw new ServerError('UNAUTHORIZED', 'Invalid API key');
  if (auth.kind === 'anonymous')
    throw new ServerError('UNAUTHORIZED', 'Missing API key: send Authorization: Bearer <admin key>');
  if (auth.kind !== 'admin') throw new ServerError('FORBIDDEN', 'This operation needs the admin key');
  return auth.actor;
}

/** Plain-HTTP routes that need the admin key. */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  assertAdmin(c.get('auth'));
  await next();
});
