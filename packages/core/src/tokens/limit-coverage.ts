import { type LedgerOptions, minimalRequestTokens } from '../ledger/ledger-options.ts';

/**
 * Why a key with this limit, of which `used` is spent, cannot serve even the cheapest request
 * (held at its least: see minimalRequestTokens); undefined when it can. The ledger would refuse
 * every request on it, so it is Exceeded from the start rather than listed as Active.
 */
export function uncoveredLimitReason(
  options: LedgerOptions,
  limit: number,
  used: number,
): string | undefined {
  const need = minimalRequestTokens(options);
  if (limit - used >= need) return undefined;
  return used > 0
    ? `limit ${limit} leaves ${Math.max(0, limit - used)} tokens, which cannot cover one request (needs at least ${need})`
    : `limit ${limit} cannot cover one request (needs at least ${need})`;
}

/** What the operator is told with the view of a key so limited. */
export function uncoveredLimitWarning(reason: string, status: string): string {
  return status === 'Exceeded'
    ? `${reason}: the key is Exceeded until its limit is raised`
    : `${reason}: the key cannot serve until its limit is raised`;
}
