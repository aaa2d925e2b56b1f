import { type Actor, isDomainError } from '@invoicegw/core';
import { initTRPC } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import { ZodError } from 'zod';
import type { AuthState } from '../auth/auth-state.ts';
import { ServerError, toAppError } from '../errors/error-table.ts';
import type { ServerDeps } from '../server-deps.ts';

export interface TrpcContext {
  deps: ServerDeps;
  requestId: string;
  /** When the request arrived (epoch ms): an extraction's deadline counts from here. */
  receivedAt: number;
  auth: AuthState;
}

const t = initTRPC.context<TrpcContext>().create({
  // Never send stacks; the error table decides code, status and message.
  isDev: false,
  errorFormatter({ shape, error }) {
    if (error.cause instanceof ZodError) {
      return {
        ...shape,
        message: 'Invalid input',
        data: {
          ...shape.data,
          appCode: 'VALIDATION_ERROR',
          httpStatus: 400,
          issues: error.cause.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        },
      };
    }
    const cause = error.cause;
    const ours = isDomainError(cause) || cause instanceof ServerError;
    if (!ours && error.code !== 'INTERNAL_SERVER_ERROR') {
      // tRPC's own refusals (unreadable body, wrong content type, unknown procedure) are the caller's.
      const httpStatus = getHTTPStatusCodeFromError(error);
      return {
        ...shape,
        message: error.message,
        data: {
          code: error.code,
          httpStatus,
          path: shape.data.path,
          appCode: error.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'VALIDATION_ERROR',
          details: {},
        },
      };
    }
    const app = toAppError(error);
    return {
      code: TRPC_ERROR_CODES_BY_KEY[app.trpcCode],
      message: app.message,
      data: {
        code: app.trpcCode,
        httpStatus: app.status,
        path: shape.data.path,
        appCode: app.code,
        retryAfterSeconds: app.retryAfterSeconds,
        details: app.details,
      },
    };
  },
});

export const router = t.router;
export const publicProcedure = t.procedure;

/** Token and monitoring operations: the admin key only. */
export const adminProcedure = t.procedure.use(({ ctx, next }) => {
  if (ctx.auth.kind === 'invalid') throw new ServerError('UNAUTHORIZED', 'Invalid API key');
  if (ctx.auth.kind === 'anonymous')
    throw new ServerError('UNAUTHORIZED', 'Missing API key: send Authorization: Bearer <admin key>');
  if (ctx.auth.kind !== 'admin') throw new ServerError('FORBIDDEN', 'This operation needs the admin key');
  return next({ ctx: { ...ctx, actor: ctx.auth.actor } });
});

/** Extraction: runExtraction checks the credential against the company (one place for every route). */
export const extractionProcedure = t.procedure;

/** Who is acting, and why: what every change records in AuditLog. */
export function actorOf(ctx: { actor: string; requestId: string }, reason?: string): Actor {
  return { actor: ctx.actor, reason, requestId: ctx.requestId };
}
