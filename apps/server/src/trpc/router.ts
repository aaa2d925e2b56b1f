import { router } from './init.ts';
import { alertsRouter } from './routers/alerts/router.ts';
import { clientsRouter } from './routers/clients/router.ts';
import { extractionRouter } from './routers/extraction/router.ts';
import { maintenanceRouter } from './routers/maintenance/router.ts';
import { monitoringRouter } from './routers/monitoring/router.ts';
import { tokensRouter } from './routers/tokens/router.ts';

export const appRouter = router({
  extraction: extractionRouter,
  tokens: tokensRouter,
  monitoring: monitoringRouter,
  clients: clientsRouter,
  alerts: alertsRouter,
  maintenance: maintenanceRouter,
});

/** What the typed client imports (types only). */
export type AppRouter = typeof appRouter;
