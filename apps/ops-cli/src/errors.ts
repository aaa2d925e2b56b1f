import { gatewayError, TRPCClientError } from '@invoicegw/client';
import { CliError, EXIT } from './exit-codes.ts';

/** A failure as the operator reads it, with the exit code scripts branch on. Never a secret. */
export function describeFailure(error: unknown, url: string): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  const gateway = gatewayError(error);
  if (gateway && gateway.status !== undefined) {
    const exitCode =
      gateway.status === 401 || gateway.status === 403
        ? gateway.code.startsWith('TOKEN_') || gateway.code === 'NO_ACTIVE_TOKEN'
          ? EXIT.REFUSED
          : EXIT.AUTH
        : gateway.status === 404
          ? EXIT.NOT_FOUND
          : EXIT.REFUSED;
    return { message: `${gateway.code}: ${gateway.message}`, exitCode };
  }
  if (error instanceof TRPCClientError) {
    return {
      message: `Cannot reach the gateway at ${url} (${(error.cause as Error | undefined)?.message ?? error.message})`,
      exitCode: EXIT.UNREACHABLE,
    };
  }
  return {
    message: `Unexpected error: ${(error as Error)?.message ?? String(error)}`,
    exitCode: EXIT.FAILURE,
  };
}
