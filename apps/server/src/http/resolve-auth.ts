import { redactSecrets, verifyClientKey } from '@invoicegw/core';
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env.ts';
import { presentedKey, secretsEqual } from '../auth/admin-key.ts';
import type { AuthState } from '../auth/auth-state.ts';
import { readSession, SESSION_COOKIE, SESSION_PATH } from '../auth/session-cookie.ts';
import type { ServerDeps } from '../server-deps.ts';

const UNPRINTABLE = /[\p{Cc}\p{Zl}\p{Zp}]/gu;

/** X-Actor as the audit trail records it: printable, at most 200 characters, any key in it masked. */
export function actorName(header: string | undefined, redact = redactSecrets): string {
  const clean = (header ?? '').slice(0, 1000).replace(UNPRINTABLE, ' ').trim();
  return redact(clean).slice(0, 200).trim() || 'admin';
}

/** The dashboard's sign-in form: the admin key typed there, and the operator name the session records. */
export function adminSignIn(
  deps: Pick<ServerDeps, 'adminKey' | 'core'>,
  key: string,
  operator: string,
): AuthState {
  if (!key.trim()) return { kind: 'anonymous' };
  if (!secretsEqual(key.trim(), deps.adminKey)) return { kind: 'invalid' };
  return { kind: 'admin', actor: actorName(operator.trim() || 'dashboard', deps.core.redact) };
}

const underDashboard = (path: string) => path === SESSION_PATH || path.startsWith(`${SESSION_PATH}/`);

/**
 * Reads the credential once per request: admin key, a company's client key, none, or a wrong one.
 * Under /ui, without a header, the signed session cookie stands for the admin key (a forged,
 * altered or expired one is `invalid`); anywhere else the cookie is ignored.
 */
export const resolveAuth = createMiddleware<AppEnv>(async (c, next) => {
  const deps = c.get('deps');
  const key = presentedKey({ get: (name) => c.req.header(name) });
  const cookie = !key && underDashboard(c.req.path) ? getCookie(c, SESSION_COOKIE) : undefined;
  if (cookie) {
    const session = readSession(cookie, deps.adminKey, deps.core.now().getTime());
    c.set('auth', session ? { kind: 'admin', actor: session.actor } : { kind: 'invalid' });
  } else if (!key) c.set('auth', { kind: 'anonymous' });
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
