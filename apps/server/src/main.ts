import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import {
  type CoreDeps,
  createKeyVault,
  DomainError,
  ledgerOptions,
  loadMasterKeys,
  startLedgerSweeper,
} from '@invoicegw/core';
import { migrate, openDatabase } from '@invoicegw/db';
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './env.ts';
import { createConsoleLogger } from './logging/console-logger.ts';

const SHUTDOWN_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createConsoleLogger();
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  const masterKeys = loadMasterKeys({
    value: config.encryption.key,
    previous: config.encryption.previous,
    production: config.nodeEnv === 'production',
    keyFile: join(config.dataDir, 'master.key'),
  });
  if (masterKeys.source === 'generated') {
    logger.log(
      'WARNING',
      'startup',
      `Generated a development master key in ${join(config.dataDir, 'master.key')} (mode 0600). Set TOKEN_ENCRYPTION_KEY in production.`,
    );
  }
  const db = await openDatabase(config.database, config.schemas);
  const { applied } = await migrate(db);
  logger.log(
    'INFO',
    'startup',
    `Database ${db.description} ready (${applied.length ? `applied ${applied.join(', ')}` : 'schema current'}; ` +
      `schema ${db.schemas.schema}, token tables in ${db.schemas.tokenSchema})`,
  );
  const deps: CoreDeps = {
    db,
    vault: createKeyVault(masterKeys),
    logger,
    now: () => new Date(),
    ledger: ledgerOptions({
      reservationTtlMs: config.ledger.reservationTtlMs,
      maxOutputTokens: config.ledger.maxOutputTokens,
    }),
  };
  // Releases holds left by a crashed process before serving, then keeps sweeping.
  const sweeper = startLedgerSweeper(deps, config.ledger.sweepIntervalMs);
  await sweeper.ready;

  const server = serve(
    { fetch: createApp({ db, version }).fetch, hostname: config.host, port: config.port },
    (info) => {
      logger.log(
        'INFO',
        'startup',
        `invoice gateway ${version} running on http://${config.host}:${info.port}`,
      );
    },
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log('INFO', 'shutdown', `${signal} received, finishing in-flight requests`);
    const force = setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS);
    force.unref();
    server.close(async () => {
      await sweeper.stop();
      await db.close();
      logger.log('INFO', 'shutdown', 'stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  // Config and domain errors are written for operators; anything else gets its class and message only.
  const message =
    error instanceof ConfigError || error instanceof DomainError
      ? error.message
      : `${(error as Error).name}: ${(error as Error).message}`;
  console.error(`ERROR: startup failed: ${message}`);
  process.exit(1);
});
