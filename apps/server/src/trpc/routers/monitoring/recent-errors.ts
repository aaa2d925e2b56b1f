import { readRecentErrors } from '@invoicegw/db';
import { adminProcedure } from '../../init.ts';

/** vw_RecentErrors: the latest 100 ERROR/CRITICAL logs. */
export const recentErrors = adminProcedure.query(({ ctx }) => readRecentErrors(ctx.deps.core.db));
