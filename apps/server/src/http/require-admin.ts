import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env.ts';
import { ServerError } from '../errors/error-table.ts';

/** Plain-HTTP routes that need the admin key (the tRPC procedures have their own middleware). */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const auth = c.get('auth');
  if (auth.kind === 'invalid') throw new ServerError('UNAUTHORIZED', 'Invalid API key');
  if (auth.kind === 'anonymous')
    throw new ServerError('UNAUTHORIZED', 'Missing API key: send Authorization: Bearer <admin key>');
  if (auth.kind !== 'admin') throw new ServerError('FORBIDDEN', 'This operation needs the admin key');
  await next();
});
