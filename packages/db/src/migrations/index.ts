import { baseline } from './0001-baseline.ts';
import { clientKeys } from './0002-client-keys.ts';
import { upgradeFixes } from './0003-upgrade-fixes.ts';
import { sharedCache } from './0004-shared-cache.ts';
import { presumedCharges } from './0005-presumed-charges.ts';
import { budgetWindows } from './0006-budget-windows.ts';
import { alertOutbox } from './0007-alert-outbox.ts';
import { keyVerification } from './0008-key-verification.ts';
import { retention } from './0009-retention.ts';
import type { Migration } from './migration.ts';

/** Every migration, in the order it runs. Append only. */
export const MIGRATIONS: readonly Migration[] = [
  baseline,
  clientKeys,
  upgradeFixes,
  sharedCache,
  presumedCharges,
  budgetWindows,
  alertOutbox,
  keyVerification,
  retention,
];
