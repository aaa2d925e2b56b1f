import { router } from './init.ts';
import { clientsRouter } from './routers/clients/router.ts';
import { extractionRouter } from './routers/extraction/router.ts';
import { monitoringRouter } from './routers/monitoring/router.ts';
import { tokensRouter } from './routers/tokens/router.ts';

export const appRouter = router({
  extraction: extractionRouter,
  tokens: tokensRouter,
  monitoring: monitoringRouter,
  clients: clientsRouter,
});

/** What the typed client imports (types only). */
export type AppRouter = typeof appRouter;
