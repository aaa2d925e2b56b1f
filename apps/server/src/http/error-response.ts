import { isDomainError, type LogFields, type Logger, type Redact, redactSecrets } from '@invoicegw/core';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import type { AppEnv } from '../app-env.ts';
import { type AppError, ServerError, toAppError } from '../errors/error-table.ts';
import { clientRequestIdOf } from './request-id.ts';

const MAX_MESSAGE = 500;
const MAX_ISSUES = 20;
const clipped = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

function zodErrorOf(error: unknown): ZodError | undefined {
  if (error instanceof ZodError) return error;
  // tRPC wraps refused input as BAD_REQUEST; an answer its output validator refused is ours (500), not the caller's.
  if (error instanceof TRPCError && error.code === 'INTERNAL_SERVER_ERROR') return undefined;
  const cause = (error as { cause?: unknown })?.cause;
  return cause instanceof ZodError ? cause : undefined;
}

/** What a refused input says: where and why, never the value. */
function zodIssues(zod: ZodError): Array<{ path: string; message: string }> {
  return zod.issues.slice(0, MAX_ISSUES).map((i) => ({
    path: clipped(i.path.join('.'), 100),
    message: clipped(i.message, 200),
  }));
}

function validationMessage(issues: Array<{ path: string; message: string }>): string {
  if (issues.length === 0) return 'Invalid input';
  const parts = issues.map(({ path, message }) =>
    !path || message.toLowerCase().startsWith(path.toLowerCase()) ? message : `${path}: ${message}`,
  );
  return clipped(`Invalid input: ${parts.join('; ')}`, MAX_MESSAGE);
}

/**
 * Any failure → what callers see, for every route (tRPC's formatter, REST, legacy): a ZodError is
 * a 400 VALIDATION_ERROR naming the fields; tRPC's own refusals (unreadable body, wrong
 * content type, unknown procedure) are the caller's; the rest goes through the error table.
 * Messages are clipped and have secrets masked.
 */
export function describeError(error: unknown, redact: Redact = redactSecrets): AppError {
  const zod = zodErrorOf(error);
  if (zod) {
    const issues = zodIssues(zod);
    return {
      code: 'VALIDATION_ERROR',
      message: redact(validationMessage(issues)),
      status: 400,
      trpcCode: 'BAD_REQUEST',
      retryAfterSeconds: undefined,
      details: { issues: issues.map((i) => ({ ...i, message: redact(i.message) })) },
    };
  }
  const cause = (error as { cause?: unknown })?.cause;
  const ours = isDomainError(cause) || cause instanceof ServerError;
  if (error instanceof TRPCError && !ours && error.code !== 'INTERNAL_SERVER_ERROR') {
    return {
      code: error.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'VALIDATION_ERROR',
      message: redact(clipped(error.message, MAX_MESSAGE)),
      status: getHTTPStatusCodeFromError(error),
      trpcCode: error.code,
      retryAfterSeconds: undefined,
      details: {},
    };
  }
  const app = toAppError(error);
  return { ...app, message: redact(clipped(app.message, MAX_MESSAGE)) };
}

/** Failures worth a record beyond the access line: a WARNING (no stack) for refused input, an ERROR (with stack) for ours. */
export function logFailure(
  logger: Logger,
  where: { logger: string; at: string },
  error: unknown,
  app: AppError,
  fields: LogFields,
): void {
  if (app.code === 'INTERNAL') {
    logger.log('ERROR', where.logger, `Unexpected error on ${where.at}: ${(error as Error)?.message}`, {
      ...fields,
      exception: (error as Error)?.stack,
    });
  } else if (app.code === 'VALIDATION_ERROR' || app.code === 'INVALID_INPUT') {
    const why = app.message.replace(/^Invalid (input|upload field): /, '');
    logger.log('WARNING', where.logger, `Invalid input on ${where.at}: ${why}`, {
      ...fields,
      code: app.code,
    });
  }
}

/** Where a request went, for log messages: method and path, clipped. */
export const requestLabel = (c: Context) => `${c.req.method} ${clipped(c.req.path, 200)}`;

/** The record of a refusal a route answers itself (the legacy 422). */
export function logValidationFailure(c: Context<AppEnv>, message: string): void {
  c.get('deps').core.logger.log('WARNING', 'http', `Invalid input on ${requestLabel(c)}: ${message}`, {
    requestId: c.get('requestId'),
    ...clientRequestIdOf(c),
    code: 'VALIDATION_ERROR',
  });
}

/** What every JSON route answers on failure: the old envelope, a stable code, the right status. */
export function errorResponse(c: Context<AppEnv>, error: unknown, app?: AppError): Response {
  const described = app ?? describeError(error, c.get('deps')?.core.redact);
  if (described.retryAfterSeconds !== undefined) c.header('Retry-After', String(described.retryAfterSeconds));
  return c.json(
    {
      status: 'error',
      code: described.code,
      message: described.message,
      requestId: c.get('requestId'),
      ...(described.retryAfterSeconds !== undefined || Object.keys(described.details).length > 0
        ? {
            data: {
              ...described.details,
              ...(described.retryAfterSeconds === undefined
                ? {}
                : { retryAfterSeconds: described.retryAfterSeconds }),
            },
          }
        : {}),
    },
    described.status as ContentfulStatusCode,
  );
}
