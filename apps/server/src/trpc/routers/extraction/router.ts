import type { TRPCRouterRecord } from '@trpc/server';
import { extract } from './extract.ts';

export const extractionRouter = { extract } satisfies TRPCRouterRecord;
