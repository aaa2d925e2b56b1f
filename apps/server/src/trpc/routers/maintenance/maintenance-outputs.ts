import type { RollbackPrepared, TablePrune } from '@invoicegw/core';
import { RETENTION_TABLES, type RetentionTable } from '@invoicegw/db';
import { z } from 'zod';
import { shapeOf } from '../../../openapi/output-shape.ts';

// The tables db prunes, named once there.
export const RETENTION_TABLE_NAMES = Object.keys(RETENTION_TABLES) as [RetentionTable, ...RetentionTable[]];
export const RetentionTableSchema = z.enum(RETENTION_TABLE_NAMES);

export const TablePruneSchema = shapeOf<TablePrune>()(
  z.object({
    table: RetentionTableSchema,
    retentionDays: z.number().int().describe('Days kept; 0: forever, nothing pruned'),
    cutoff: z.string().nullable().describe('Rows logged before this instant are past their retention'),
    olderThanCutoff: z.number().int().describe('Rows past their retention before this pass'),
    deleted: z.number().int().describe('Rows this pass deleted (usage rows archived first)'),
    batches: z.number().int().describe('Statements this pass ran, each over at most a batch of rows'),
  }),
);

export const PruneReportSchema = z.object({
  dryRun: z.boolean(),
  tables: z.array(TablePruneSchema),
});

export const RollbackPreparedSchema = shapeOf<RollbackPrepared>()(
  z.object({
    decrypted: z.number().int().describe('Keys written back in plaintext by this call'),
    alreadyPlaintext: z.number().int(),
    failed: z
      .array(z.object({ tokenId: z.number().int(), reason: z.string() }))
      .describe('Keys this gateway could not open: the old service cannot use them'),
  }),
);

export const RollbackUndoneSchema = z.object({
  encrypted: z.number().int().describe('Plaintext keys sealed again'),
  wasPrepared: z.boolean().describe('False when no rollback was prepared (the keys are sealed anyway)'),
});

export const RollbackStatusSchema = z.object({
  prepared: z.boolean(),
  plaintextKeys: z.number().int().describe('Keys stored in plaintext now'),
  sealedKeys: z.number().int(),
});
