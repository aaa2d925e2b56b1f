import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { type AppErrorCode, type GatewayErrorCode, gatewayError } from '../src/index.ts';

/** A failed call as the gateway's error formatter sends it. */
function failure(data: Record<string, unknown> | undefined) {
  return TRPCClientError.from({ error: { code: -32029, message: 'Quota held', data } });
}

describe('gatewayError', () => {
  it("returns the gateway's code, status and Retry-After", () => {
    const error = failure({
      appCode: 'TOKEN_BUSY',
      code: 'TOO_MANY_REQUESTS',
      httpStatus: 429,
      retryAfterSeconds: 3,
    });
    expect(gatewayError(error)).toEqual({
      code: 'TOKEN_BUSY',
      status: 429,
      message: 'Quota held',
      retryAfterSeconds: 3,
    });
  });

  it('says UNKNOWN, not a tRPC code, when the answer did not come from the gateway', () => {
    expect(gatewayError(failure({ code: 'BAD_GATEWAY' }))?.code).toBe('UNKNOWN');
    expect(gatewayError(failure(undefined))).toEqual({
      code: 'UNKNOWN',
      status: undefined,
      message: 'Quota held',
    });
    expect(gatewayError(new Error('not a tRPC error'))).toBeUndefined();
  });

  it('types the code as the union of the error table, so a misspelt code does not compile', () => {
    const code: GatewayErrorCode | undefined = gatewayError(
      failure({ appCode: 'TOKEN_EXPIRED', httpStatus: 403 }),
    )?.code;
    expect(code).toBe('TOKEN_EXPIRED');
    // `tsc -p packages/client` (pnpm typecheck) proves these two lines are type errors.
    // @ts-expect-error TOKEN_BUSYY is not a code the gateway has
    expect(code === 'TOKEN_BUSYY').toBe(false);
    // @ts-expect-error any string is not a code
    const typo: AppErrorCode = String('TOKEN_BUSYY');
    expect(typo).toBe('TOKEN_BUSYY');
  });
});
