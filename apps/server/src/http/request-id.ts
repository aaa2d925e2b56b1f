import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../app-env.ts';

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** The client's own X-Request-Id, echoed back under this name. */
export const CLIENT_REQUEST_ID_HEADER = 'X-Client-Request-Id';
const MAX_CLIENT_REQUEST_ID = 200;
const UNPRINTABLE = /[\p{Cc}\p{Zl}\p{Zp}]/gu;

/** A client's correlation id as the server keeps it: printable, trimmed, at most 200 characters. */
export function clientRequestId(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const clean = raw
    .slice(0, 4 * MAX_CLIENT_REQUEST_ID)
    .replace(UNPRINTABLE, '')
    .trim();
  return clean.slice(0, MAX_CLIENT_REQUEST_ID).trim() || undefined;
}

/** `{ clientRequestId }` for log fields, when the client sent one. */
export function clientRequestIdOf(c: Context): { clientRequestId?: string } {
  const id = clientRequestId(c.req.header(REQUEST_ID_HEADER));
  return id === undefined ? {} : { clientRequestId: id };
}

/**
 * Every request gets the server's own id (usage rows, logs, the provider call and the answer
 * carry it), whatever the client sent: two clients choosing the same X-Request-Id must not
 * share one. The client's id is kept apart, as a correlation field, and echoed back.
 */
export const serverRequestId = createMiddleware<AppEnv>(async (c, next) => {
  const id = randomUUID();
  c.set('requestId', id);
  c.header(REQUEST_ID_HEADER, id);
  const client = clientRequestId(c.req.header(REQUEST_ID_HEADER));
  if (client) c.header(CLIENT_REQUEST_ID_HEADER, client);
  await next();
});
