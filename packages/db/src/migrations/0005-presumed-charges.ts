import { legacyCompatViews } from './0003-upgrade-fixes.ts';
import { addColumns, recordMigration } from './ddl.ts';
import type { Migration } from './migration.ts';

const ID = '0005-presumed-charges';

/**
 * Usage the provider may have billed but never reported: a hold whose call was dispatched and
 * never settled (the process died, or the attempt timed out or lost its connection) is charged
 * in full, and its usage row says how much of it is presumed.
 */
export const presumedCharges: Migration = {
  id: ID,
  steps: (ctx) => [
    // Set right before the provider call: the sweeper charges a dispatched hold, and releases the others.
    ...addColumns(ctx, ctx.schemas.tokenSchema, 'TokenReservations', {
      DispatchedAt: { type: 'datetime' },
    }),
    // The part of TotalTokensUsed that is presumed (the whole row, for Outcome 'presumed'), 0 otherwise.
    ...addColumns(ctx, ctx.schemas.tokenSchema, 'TokenUsageLogs', {
      PresumedTokens: { type: 'int', notNull: true, default: 0 },
    }),
    // The old layout's compatibility views select *: re-created so they see the new columns.
    ...legacyCompatViews(ctx),
    recordMigration(ctx, ID),
  ],
};
