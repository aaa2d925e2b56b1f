import { readFileSync } from 'node:fs';
import { serve } from '@hono/node-server';
import { migrate, openDatabase } from '@invoicegw/db';
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './env.ts';

const SHUTDOWN_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  const db = await openDatabase(config.database, config.schemas);
  const { applied } = await migrate(db);
  console.info(
    `INFO: database ${db.description} ready (${applied.length ? `applied ${applied.join(', ')}` : 'schema current'}; ` +
      `schema ${db.schemas.schema}, token tables in ${db.schemas.tokenSchema})`,
  );

  const server = serve(
    { fetch: createApp({ db, version }).fetch, hostname: config.host, port: config.port },
    (info) => {
      console.info(`INFO: invoice gateway ${version} running on http://${config.host}:${info.port}`);
    },
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.info(`INFO: ${signal} received, finishing in-flight requests`);
    const force = setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS);
    force.unref();
    server.close(async () => {
      await db.close();
      console.info('INFO: stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  // Config errors are written for operators; anything else gets its class and message only.
  const message =
    error instanceof ConfigError ? error.message : `${(error as Error).name}: ${(error as Error).message}`;
  console.error(`ERROR: startup failed: ${message}`);
  process.exit(1);
});
