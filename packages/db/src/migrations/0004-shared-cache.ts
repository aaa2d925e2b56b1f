import type { TableSpec } from './ddl.ts';
import { recordMigration, syncIndexes, syncTable } from './ddl.ts';
import type { Migration } from './migration.ts';

const ID = '0004-shared-cache';

const resultCacheTable: TableSpec = {
  name: 'ResultCache',
  columns: {
    CacheID: { type: 'id' },
    CompanyID: { type: { text: 50 }, notNull: true },
    FileSha256: { type: { text: 64 }, notNull: true },
    ResultJson: { type: { text: 'max' }, notNull: true },
    ResultBytes: { type: 'int', notNull: true, default: 0 },
    RequestID: { type: { text: 100 } },
    CreatedAt: { type: 'datetime', notNull: true, default: 'now' },
    ExpiresAt: { type: 'datetime', notNull: true },
  },
  indexes: [
    { name: 'UX_ResultCache_CompanyID_FileSha256', columns: ['CompanyID', 'FileSha256'], unique: true },
    { name: 'IX_ResultCache_ExpiresAt', columns: ['ExpiresAt'] },
  ],
};

const idempotencyKeysTable: TableSpec = {
  name: 'IdempotencyKeys',
  columns: {
    IdempotencyID: { type: 'id' },
    CompanyID: { type: { text: 50 }, notNull: true },
    IdempotencyKey: { type: { text: 200 }, notNull: true },
    FileSha256: { type: { text: 64 }, notNull: true },
    State: { type: { text: 16 }, notNull: true, default: 'pending' },
    OwnerID: { type: { text: 64 }, notNull: true },
    RequestID: { type: { text: 100 } },
    ResultJson: { type: { text: 'max' } },
    CreatedAt: { type: 'datetime', notNull: true, default: 'now' },
    ExpiresAt: { type: 'datetime', notNull: true },
  },
  indexes: [
    {
      name: 'UX_IdempotencyKeys_CompanyID_IdempotencyKey',
      columns: ['CompanyID', 'IdempotencyKey'],
      unique: true,
    },
    { name: 'IX_IdempotencyKeys_ExpiresAt', columns: ['ExpiresAt'] },
  ],
};

/**
 * The result cache and Idempotency-Key records in the database, so every instance (and a
 * restarted one) answers from the same records instead of extracting and charging again.
 */
export const sharedCache: Migration = {
  id: ID,
  steps: (ctx) => [
    ...syncTable(ctx, ctx.schemas.schema, resultCacheTable),
    ...syncIndexes(ctx, ctx.schemas.schema, resultCacheTable),
    ...syncTable(ctx, ctx.schemas.schema, idempotencyKeysTable),
    ...syncIndexes(ctx, ctx.schemas.schema, idempotencyKeysTable),
    recordMigration(ctx, ID),
  ],
};
