import { readCacheStatus } from '../../../monitoring/cache-status.ts';
import { adminProcedure } from '../../init.ts';

export const cacheStatus = adminProcedure.query(({ ctx }) => readCacheStatus(ctx.deps));
