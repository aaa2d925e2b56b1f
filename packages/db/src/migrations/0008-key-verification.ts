import { legacyCompatViews } from './0003-upgrade-fixes.ts';
import { addColumns, recordMigration } from './ddl.ts';
import type { Migration } from './migration.ts';

const ID = '0008-key-verification';

/**
 * Keys verified before they serve: when the provider was last asked about a key (a free
 * countTokens call at add, rotate or `tokens verify`) and what it said, shown with the key.
 */
export const keyVerification: Migration = {
  id: ID,
  steps: (ctx) => [
    ...addColumns(ctx, ctx.schemas.tokenSchema, 'TokenMaster', {
      LastVerifiedAt: { type: 'datetime' },
      // `state code: reason` (ok OK, rejected API_KEY_INVALID: …), never the key.
      LastVerifyResult: { type: { text: 400 } },
    }),
    // The old layout's compatibility views select *: re-created so they see the new columns.
    ...legacyCompatViews(ctx),
    recordMigration(ctx, ID),
  ],
};
