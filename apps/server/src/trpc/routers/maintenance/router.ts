import type { TRPCRouterRecord } from '@trpc/server';
import { prune } from './prune.ts';
import { rollbackPrepare } from './rollback-prepare.ts';
import { rollbackStatus } from './rollback-status.ts';
import { rollbackUndo } from './rollback-undo.ts';

export const maintenanceRouter = {
  prune,
  rollbackStatus,
  rollbackPrepare,
  rollbackUndo,
} satisfies TRPCRouterRecord;
