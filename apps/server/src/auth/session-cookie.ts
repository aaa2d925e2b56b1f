import { createHmac, timingSafeEqual } from 'node:crypto';

/** The dashboard's session cookie: sent to /ui only, never a credential for /v1, /trpc or the old routes. */
export const SESSION_COOKIE = 'igw_session';
export const SESSION_PATH = '/ui';
/** How long a sign-in lasts; the expiry is inside the signed value, so a kept cookie dies too. */
export const SESSION_TTL_SECONDS = 8 * 60 * 60;

export interface DashboardSession {
  /** The operator name typed at sign-in: the audit trail's actor. */
  actor: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/**
 * The signing secret, derived from the admin key: every replica with the same admin key accepts
 * the same cookie, and changing the admin key signs every session out.
 */
function secretOf(adminKey: string): Buffer {
  return createHmac('sha256', adminKey).update('invoicegw dashboard session v1').digest();
}

const mac = (payload: string, adminKey: string) =>
  createHmac('sha256', secretOf(adminKey)).update(payload).digest('base64url');

/** `base64url(JSON) . base64url(HMAC-SHA256)`: signed, not secret (it holds no key). */
export function signSession(session: DashboardSession, adminKey: string): string {
  const payload = Buffer.from(JSON.stringify({ v: 1, a: session.actor, e: session.expiresAt })).toString(
    'base64url',
  );
  return `${payload}.${mac(payload, adminKey)}`;
}

/** The session a cookie value proves, or undefined when it is forged, altered, malformed or expired. */
export function readSession(value: string, adminKey: string, now: number): DashboardSession | undefined {
  const dot = value.indexOf('.');
  if (dot <= 0 || value.length > 2000) return undefined;
  const payload = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1), 'base64url');
  const expected = Buffer.from(mac(payload, adminKey), 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (body.v !== 1 || typeof body.a !== 'string' || typeof body.e !== 'number') return undefined;
    if (!(body.e > now)) return undefined;
    return { actor: body.a, expiresAt: body.e };
  } catch {
    return undefined;
  }
}
