import { listTokens } from '@invoicegw/db';
import type { CoreDeps } from '../core-deps.ts';
import { enqueueAlert } from './enqueue-alert.ts';

const DAY_MS = 86_400_000;

/**
 * Active keys whose ExpiresAt falls within `days`: one key_expiring alert per key and expiry
 * date (a new ExpiresAt warns again). Returns how many outbox rows were added.
 */
export async function checkExpiringKeys(
  deps: Pick<CoreDeps, 'db' | 'logger' | 'now' | 'redact'>,
  days: number,
): Promise<number> {
  const now = deps.now().getTime();
  let added = 0;
  for (const token of await listTokens(deps.db, { statuses: ['Active'] })) {
    if (!token.expiresAt) continue;
    const left = Date.parse(token.expiresAt) - now;
    if (left <= 0 || left > days * DAY_MS) continue;
    added += await enqueueAlert(deps, {
      type: 'key_expiring',
      dedupeKey: `expiring:${token.tokenId}:${token.expiresAt}`,
      companyId: token.companyId,
      tokenId: token.tokenId,
      message: `Key ${token.tokenId}${token.keyHint ? ` (${token.keyHint})` : ''} of company ${token.companyId} expires at ${token.expiresAt}`,
      figures: { expiresAt: token.expiresAt, daysLeft: Math.round((left / DAY_MS) * 10) / 10 },
    });
  }
  return added;
}
