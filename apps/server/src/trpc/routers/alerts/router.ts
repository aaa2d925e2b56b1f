import type { TRPCRouterRecord } from '@trpc/server';
import { addAlert } from './add.ts';
import { alertDeliveries } from './deliveries.ts';
import { listAlerts } from './list.ts';
import { removeAlert } from './remove.ts';
import { testAlert } from './test.ts';

export const alertsRouter = {
  list: listAlerts,
  add: addAlert,
  remove: removeAlert,
  test: testAlert,
  deliveries: alertDeliveries,
} satisfies TRPCRouterRecord;
