import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import { type AppError, toAppError } from '../errors/error-table.ts';

/** What every JSON route answers on failure: the old envelope, a stable code, the right status. */
export function errorResponse(c: Context, error: unknown): Response {
  const zod =
    error instanceof ZodError
      ? error
      : (error as { cause?: unknown })?.cause instanceof ZodError
        ? (error as { cause: ZodError }).cause
        : undefined;
  const app: AppError = zod
    ? {
        code: 'VALIDATION_ERROR',
        message: 'Invalid input',
        status: 400,
        trpcCode: 'BAD_REQUEST',
        retryAfterSeconds: undefined,
        details: { issues: zod.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
      }
    : toAppError(error);
  if (app.retryAfterSeconds !== undefined) c.header('Retry-After', String(app.retryAfterSeconds));
  return c.json(
    {
      status: 'error',
      code: app.code,
      message: app.message,
      requestId: c.get('requestId'),
      ...(app.retryAfterSeconds !== undefined || Object.keys(app.details).length > 0
        ? {
            data: {
              ...app.details,
              ...(app.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: app.retryAfterSeconds }),
            },
          }
        : {}),
    },
    app.status as ContentfulStatusCode,
  );
}
