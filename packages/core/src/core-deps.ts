import type { DbHandle } from '@invoicegw/db';
import type { LedgerOptions } from './ledger/ledger-options.ts';
import type { FairQueue } from './ledger/quota-wait.ts';
import type { Logger } from './logging/logger.ts';
import type { Redact } from './logging/redact-secrets.ts';
import type { KeyProber } from './tokens/verify-key.ts';
import type { KeyVault } from './vault/key-vault.ts';

/** What every domain operation receives: passed in, never imported as a singleton. */
export interface CoreDeps {
  db: DbHandle;
  vault: KeyVault;
  logger: Logger;
  now: () => Date;
  ledger: LedgerOptions;
  /**
   * Masks secrets in text that is stored or shown (audit actor and reason, status reasons).
   * Default: the pattern-only `redactSecrets`; the server adds its admin and master keys.
   */
  redact?: Redact | undefined;
  /**
   * This process's fair line per company for quota held by requests in flight: extractions wait
   * in it instead of being refused (see acquireTimed), and settles wake it. Without it, no wait.
   */
  quotaWaits?: FairQueue | undefined;
  /**
   * Asks the provider about a key before it is added or rotated in, and for `verifyTokens`.
   * Without it, keys are admitted unchecked (as before) and verifyTokens refuses to run.
   */
  keyProber?: KeyProber | undefined;
}

/** Who asked for a change, and why: recorded in AuditLog with every operation. */
export interface Actor {
  actor: string;
  reason?: string | undefined;
  requestId?: string | undefined;
}
