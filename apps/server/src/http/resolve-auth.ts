import { redactSecrets, verifyClientKey } from '@invoicegw/core';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env.ts';
import { presentedKey, secretsEqual } from '../auth/admin-key.ts';

const UNPRINTABLE = /[\p{Cc}\p{Zl}\p{Zp}]/gu;

/** X-Actor as the audit trail records it: printable, at most 200 characters, any key in it masked. */
export function actorName(header: string | undefined, redact = redactSecrets): string {
  const clean = (header ?? '').slice(0, 1000).replace(UNPRINTABLE, ' ').trim();
  return redact(clean).slice(0, 200).trim() || 'admin';
}

/** Reads the credential once per request: admin key, a company's client key, none, or a wrong one. */
export const resolveAuth = createMiddleware<AppEnv>(async (c, next) => {
  const deps = c.get('deps');
  const key = presentedKey({ get: (name) => c.req.header(name) });
  if (!key) c.set('auth', { kind: 'anonymous' });
  else if (secretsEqual(key, deps.adminKey)) {
    c.set('auth', { kind: 'admin', actor: actorName(c.req.header('x-actor'), deps.core.redact) });
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
