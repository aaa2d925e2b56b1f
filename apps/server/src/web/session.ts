import type { Context } from 'hono';
import { deleteCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env.ts';
import { SESSION_COOKIE, SESSION_PATH } from '../auth/session-cookie.ts';
import { ServerError } from '../errors/error-table.ts';
import { errorResponse } from '../http/error-response.ts';
import { assertAdmin } from '../http/require-admin.ts';

// The dashboard's side of the session: the cookie's flags, where sign-in leads, and the gate.
// (resolve-auth.ts reads the cookie; auth/session-cookie.ts signs and checks it.)

/** Secure when the browser talks https to us or to the proxy in front (X-Forwarded-Proto). */
export function isHttps(c: Context<AppEnv>): boolean {
  const forwarded = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  return new URL(c.req.url).protocol === 'https:' || forwarded === 'https';
}

export const cookieOptions = (c: Context<AppEnv>) => ({
  path: SESSION_PATH,
  httpOnly: true,
  secure: isHttps(c),
  sameSite: 'Strict' as const,
});

/** A same-site path under /ui to return to after signing in; anything else is dropped. */
export function safeNext(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 500) return undefined;
  return /^\/ui(?:[/?][^\\\s]*)?$/.test(value) && !value.startsWith('//') ? value : undefined;
}

export const signInUrl = (params: Record<string, string | undefined>) => {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => !!e[1]));
  return q.size ? `/ui/sign-in?${q}` : '/ui/sign-in';
};

/**
 * Every page but sign-in needs the admin: a session cookie (or the admin key in a header).
 * The one assertAdmin decides; a missing or refused session goes back to the sign-in form.
 */
export const requireSession = createMiddleware<AppEnv>(async (c, next) => {
  const auth = c.get('auth');
  try {
    assertAdmin(auth);
  } catch (error) {
    if (!(error instanceof ServerError) || error.code !== 'UNAUTHORIZED') throw error;
    if (auth.kind === 'invalid') deleteCookie(c, SESSION_COOKIE, cookieOptions(c));
    if (c.req.path === '/ui/logs.json') return errorResponse(c, error);
    const url = new URL(c.req.url);
    return c.redirect(
      signInUrl({
        next: c.req.method === 'GET' ? safeNext(url.pathname + url.search) : undefined,
        ended: auth.kind === 'invalid' ? '1' : undefined,
      }),
      303,
    );
  }
  await next();
});
