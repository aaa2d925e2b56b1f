import type { Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { clientRequestIdOf } from '../http/request-id.ts';
import { appRouter } from '../trpc/router.ts';

/**
 * The typed tRPC caller for this request, as rest-routes.ts builds it: every read and change the
 * dashboard makes goes through the same procedures (admin check, validation, audit with the actor).
 */
export function callerOf(c: Context<AppEnv>) {
  return appRouter.createCaller({
    deps: c.get('deps'),
    requestId: c.get('requestId'),
    ...clientRequestIdOf(c),
    receivedAt: c.get('receivedAt'),
    auth: c.get('auth'),
  });
}

export type Caller = ReturnType<typeof callerOf>;
type Out<F> = F extends (...args: never[]) => Promise<infer R> ? R : never;

export type TokenRow = Out<Caller['tokens']['list']>[number];
export type UsageRow = Out<Caller['monitoring']['usage']>[number];
export type AuditRow = Out<Caller['tokens']['audit']>[number];
export type BudgetWindowRow = Out<Caller['tokens']['budgetWindows']>[number];
export type LogRow = Out<Caller['monitoring']['logs']>[number];
