import type { Actor } from '@invoicegw/core';
import { initTRPC } from '@trpc/server';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { AuthState } from '../auth/auth-state.ts';
import { describeError } from '../http/error-response.ts';
import { assertAdmin } from '../http/require-admin.ts';
import type { ServerDeps } from '../server-deps.ts';

export interface TrpcContext {
  deps: ServerDeps;
  /** The server's own id for this request (never the client's X-Request-Id). */
  requestId: string;
  /** The client's X-Request-Id, cleaned: a correlation field for logs. */
  clientRequestId?: string | undefined;
  /** When the request arrived (epoch ms): an extraction's deadline counts from here. */
  receivedAt: number;
  auth: AuthState;
  /** The Idempotency-Key header, for extraction.extract. */
  idempotencyKey?: string | undefined;
}

const t = initTRPC.context<TrpcContext>().create({
  // Never send stacks; the error table decides code, status and message.
  isDev: false,
  errorFormatter({ shape, error, ctx }) {
    const app = describeError(error, ctx?.deps.core.redact);
    const { issues, ...details } = app.details;
    return {
      code: TRPC_ERROR_CODES_BY_KEY[app.trpcCode],
      message: app.message,
      data: {
        code: app.trpcCode,
        httpStatus: app.status,
        path: shape.data.path,
        appCode: app.code,
        ...(app.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: app.retryAfterSeconds }),
        ...(issues === undefined ? {} : { issues }),
        details,
      },
    };
  },
});

export const router = t.router;
export const publicProcedure = t.procedure;

/** Token and monitoring operations: the admin key only. */
export const adminProcedure = t.procedure.use(({ ctx, next }) => {
  const actor = assertAdmin(ctx.auth);
  return next({ ctx: { ...ctx, actor } });
});

/** Extraction: runExtraction checks the credential against the company (one place for every route). */
export const extractionProcedure = t.procedure;

/** Who is acting, and why: what every change records in AuditLog. */
export function actorOf(ctx: { actor: string; requestId: string }, reason?: string): Actor {
  return { actor: ctx.actor, reason, requestId: ctx.requestId };
}
