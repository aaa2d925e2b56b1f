import { readHealth } from '../../../monitoring/health.ts';
import { publicProcedure } from '../../init.ts';

export const health = publicProcedure.query(({ ctx }) => readHealth(ctx.deps));
