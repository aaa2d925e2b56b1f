import type { TRPCRouterRecord } from '@trpc/server';
import { createClient } from './create.ts';
import { listClients } from './list.ts';
import { revokeClient } from './revoke.ts';

export const clientsRouter = {
  create: createClient,
  list: listClients,
  revoke: revokeClient,
} satisfies TRPCRouterRecord;
