import { DomainError } from '@invoicegw/core';
import { ConfigError, loadConfig } from './env.ts';
import { startServer } from './server.ts';

async function main(): Promise<void> {
  const running = await startServer(loadConfig(process.env));
  const stop = (signal: string) => {
    console.info(`INFO shutdown: ${signal} received, finishing in-flight requests`);
    void running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
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
