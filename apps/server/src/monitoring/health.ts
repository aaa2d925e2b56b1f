import { pingDatabase } from '@invoicegw/db';
import type { ServerDeps } from '../server-deps.ts';

export interface Health {
  status: 'active' | 'degraded';
  version: string;
  timestamp: string;
  database: { kind: string; reachable: boolean };
}

/** The checklist's health check, plus whether the database answers. */
export async function readHealth(deps: ServerDeps): Promise<Health> {
  let reachable = true;
  try {
    await pingDatabase(deps.core.db);
  } catch {
    reachable = false;
  }
  return {
    status: reachable && !deps.draining.value ? 'active' : 'degraded',
    version: deps.version,
    timestamp: new Date().toISOString(),
    database: { kind: deps.core.db.kind, reachable },
  };
}
