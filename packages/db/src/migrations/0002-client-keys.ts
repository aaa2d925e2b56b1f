import type { TableSpec } from './ddl.ts';
import { recordMigration, syncIndexes, syncTable } from './ddl.ts';
import type { Migration } from './migration.ts';

const ID = '0002-client-keys';

const clientKeysTable: TableSpec = {
  name: 'ClientKeys',
  columns: {
    ClientKeyID: { type: 'id' },
    CompanyID: { type: { text: 50 }, notNull: true },
    KeyHash: { type: { text: 64 }, notNull: true },
    KeyHint: { type: { text: 32 }, notNull: true },
    Label: { type: { text: 200 } },
    CreatedAt: { type: 'datetime', notNull: true, default: 'now' },
    LastUsedAt: { type: 'datetime' },
    RevokedAt: { type: 'datetime' },
  },
  indexes: [
    { name: 'UX_ClientKeys_KeyHash', columns: ['KeyHash'], unique: true },
    { name: 'IX_ClientKeys_CompanyID', columns: ['CompanyID'] },
  ],
};

/** Caller keys per company, so no caller can spend another company's quota. */
export const clientKeys: Migration = {
  id: ID,
  steps: (ctx) => [
    ...syncTable(ctx, ctx.schemas.schema, clientKeysTable),
    ...syncIndexes(ctx, ctx.schemas.schema, clientKeysTable),
    recordMigration(ctx, ID),
  ],
};
