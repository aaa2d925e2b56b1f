import { DomainError } from '@invoicegw/core';
import { ConfigError, loadConfig } from './env.ts';
import { type RunningServer, startServer } from './server.ts';
import { startupSummary } from './startup-summary.ts';

async function main(): Promise<void> {
  // Handlers go in before startup: a signal that arrives while the database opens or the
  // port binds must still stop the process cleanly, not kill it with the default action.
  let running: RunningServer | undefined;
  let stopping: string | undefined;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = signal;
    console.info(`INFO shutdown: ${signal} received, finishing in-flight requests`);
    if (running) void closeAndExit(running);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  const config = loadConfig(process.env);
  running = await startServer(config);
  if (stopping) await closeAndExit(running);
  console.info(startupSummary({ url: running.url, config, cwd: process.cwd() }).join('\n'));
}

async function closeAndExit(running: RunningServer): Promise<never> {
  try {
    await running.close();
    process.exit(0);
  } catch {
    process.exit(1);
  }
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
