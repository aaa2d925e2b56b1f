import { verifyClientKey } from '@invoicegw/core';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env.ts';
import { presentedKey, secretsEqual } from '../auth/admin-key.ts';

/** Reads the credential once per request: admin key, a company's client key, none, or a wrong one. */
export const resolveAuth = createMiddleware<AppEnv>(async (c, next) => {
  const deps = c.get('deps');
  const key = presentedKey({ get: (name) => c.req.header(name) });
  if (!key) c.set('auth', { kind: 'anonymous' });
  else if (secretsEqual(key, deps.adminKey)) {
    c.set('auth', {
      kind: 'admin',
      actor: (c.req.header('x-actor') ?? 'admin').trim().slice(0, 200) || 'admin',
    });
  } else {
    const client = await verifyClientKey(deps.core, key);
    c.set(
      'auth',
      client
        ? { kind: 'client', companyId: client.companyId, clientKeyId: client.clientKeyId }
        : { kind: 'invalid' },
    );
  }
  await next();
});
