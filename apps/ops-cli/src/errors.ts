import { gatewayError, TRPCClientError } from '@invoicegw/client';
import { CliError, EXIT } from './exit-codes.ts';

export interface Failure {
  /** One line (a table cell, a JSON field). */
  message: string;
  /** What stderr shows: the headline, then one line per detail (each field refused, a hint). */
  headline: string;
  details: string[];
  exitCode: number;
  /** The gateway's code and HTTP status, when the gateway answered. */
  code?: string;
  status?: number;
}

/** What the failure message needs to know about the connection; never the key itself. */
export interface FailureContext {
  url: string;
  adminKeySource?: string | undefined;
}

const HOW_TO_GIVE_THE_KEY =
  "Give the gateway's admin key (its ADMIN_API_KEY) in OCR_OPS_ADMIN_KEY, or in a --config file; a development server keeps it in its DATA_DIR (./data by default) as admin.key, which ocr-ops reads by itself from ./data or $DATA_DIR";

/** A failure as the operator reads it, with the exit code scripts branch on. Never a secret. */
export function describeFailure(error: unknown, context: FailureContext): Failure {
  const plain = (message: string, exitCode: number): Failure => ({
    message,
    headline: message,
    details: [],
    exitCode,
  });
  if (error instanceof CliError) return plain(error.message, error.exitCode);
  const gateway = gatewayError(error);
  if (gateway && gateway.status !== undefined) {
    const { code, status } = gateway;
    const exitCode =
      status === 401 || status === 403
        ? code.startsWith('TOKEN_') || code === 'NO_ACTIVE_TOKEN'
          ? EXIT.REFUSED
          : EXIT.AUTH
        : status === 404
          ? EXIT.NOT_FOUND
          : EXIT.REFUSED;
    const issues = issuesOf(error);
    const details = issues.map((i) => `${i.path || '(input)'}: ${i.message}`);
    // The server folds the issues into its message (clipped); they are listed one by one instead.
    const text =
      issues.length && gateway.message.startsWith('Invalid input') ? 'Invalid input' : gateway.message;
    if (status === 401 || code === 'FORBIDDEN') {
      details.push(
        context.adminKeySource
          ? `The admin key from ${context.adminKeySource} was refused. ${HOW_TO_GIVE_THE_KEY}.`
          : `No admin key was given. ${HOW_TO_GIVE_THE_KEY}.`,
      );
    }
    return {
      message: `${code}: ${text}${issues.length ? `: ${details.join('; ')}` : ''}`,
      headline: `${code}: ${text}`,
      details,
      exitCode,
      code,
      status,
    };
  }
  if (error instanceof TRPCClientError) {
    return plain(
      `Cannot reach the gateway at ${context.url} (${(error.cause as Error | undefined)?.message ?? error.message}); another address: --url or OCR_OPS_URL`,
      EXIT.UNREACHABLE,
    );
  }
  return plain(`Unexpected error: ${(error as Error)?.message ?? String(error)}`, EXIT.FAILURE);
}

/** The fields a VALIDATION_ERROR names (`data.issues`: path and message, never the value). */
function issuesOf(error: unknown): Array<{ path: string; message: string }> {
  const issues = (error as { data?: { issues?: unknown } }).data?.issues;
  if (!Array.isArray(issues)) return [];
  return issues
    .filter((i): i is { path: unknown; message: unknown } => typeof i === 'object' && i !== null)
    .map((i) => ({ path: String(i.path ?? ''), message: String(i.message ?? '') }));
}

/** The headline and, indented below it, each detail: what stderr shows after `ocr-ops: `. */
export function formatFailure(failure: Failure): string {
  return [failure.headline, ...failure.details.map((d) => `  ${d}`)].join('\n');
}
