import { type DbHandle, pingDatabase } from '@invoicegw/db';
import { Hono } from 'hono';

export interface AppDeps {
  db: DbHandle;
  version: string;
}

/** Builds the HTTP app. Never listens: main.ts does, and tests call app.request(). */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();

  // The checklist's health check (`curl http://localhost:8000/`), plus whether the database answers.
  app.get('/', async (c) => {
    const timestamp = new Date().toISOString();
    try {
      await pingDatabase(deps.db);
      return c.json({
        status: 'active',
        version: deps.version,
        timestamp,
        database: { kind: deps.db.kind, reachable: true },
      });
    } catch {
      return c.json(
        {
          status: 'degraded',
          version: deps.version,
          timestamp,
          database: { kind: deps.db.kind, reachable: false },
        },
        503,
      );
    }
  });

  return app;
}
