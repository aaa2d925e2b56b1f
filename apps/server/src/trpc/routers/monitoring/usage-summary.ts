import { readUsageSummary } from '@invoicegw/db';
import { adminProcedure } from '../../init.ts';

/** vw_UsageSummary: per company. */
export const usageSummary = adminProcedure.query(({ ctx }) => readUsageSummary(ctx.deps.core.db));
