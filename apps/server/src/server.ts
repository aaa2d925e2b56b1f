import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { serve } from '@hono/node-server';
import {
  type AlertDispatchOptions,
  alertCircuitOpen,
  createExtractionRuntime,
  createGeminiModel,
  createKeyProber,
  createKeyVault,
  createRedactor,
  DbIdempotencyStore,
  DbResultCache,
  DEFAULT_EXTRACTION_OPTIONS,
  DEFAULT_THINKING_BUDGET,
  type ExtractionDeps,
  type ExtractionResult,
  endInstanceHolds,
  FairQueue,
  type Logger,
  ledgerOptions,
  loadMasterKeys,
  startAlertDispatcher,
  startLedgerSweeper,
  startRetentionPruner,
  startStoredResultPruner,
} from '@invoicegw/core';
import { migrate, type OpenDatabase, openDatabase } from '@invoicegw/db';
import { createApp } from './app.ts';
import { loadAdminKey } from './auth/admin-key.ts';
import { ConfigError, type ServerConfig } from './env.ts';
import { CompanySlots } from './extraction/company-slots.ts';
import { createConsoleLogger } from './logging/console-logger.ts';
import { createDbLogSink, fanOut } from './logging/db-log-sink.ts';
import { redactingLogger } from './logging/redact.ts';
import { createMetrics } from './metrics/metrics.ts';
import type { ServerDeps } from './server-deps.ts';
import { UploadSpool } from './uploads/upload-spool.ts';

export interface RunningServer {
  url: string;
  deps: ServerDeps;
  /** Graceful: stop accepting, finish in-flight work within the deadline, release what cannot settle, flush logs. */
  close(): Promise<void>;
}

const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Opens everything the service needs and serves; the entry point, the demo and the tests call it. */
export interface StartOptions {
  /** Where console lines go (tests pass a quiet one). */
  console?: Logger;
  /** Wraps the opened database: the seam fault-injection tests use to take it down and up again. */
  wrapDb?: (db: OpenDatabase) => OpenDatabase;
}

export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const consoleLogger = options.console ?? createConsoleLogger();
  const masterKeys = loadMasterKeys({
    value: config.encryption.key,
    previous: config.encryption.previous,
    production: config.nodeEnv === 'production',
    keyFile: join(config.dataDir, 'master.key'),
  });
  if (masterKeys.source === 'generated') {
    consoleLogger.log(
      'WARNING',
      'startup',
      `Generated a development master key in ${join(config.dataDir, 'master.key')} (mode 0600). Set TOKEN_ENCRYPTION_KEY in production.`,
    );
  }
  const admin = loadAdminKey({
    value: config.adminApiKey,
    production: config.nodeEnv === 'production',
    keyFile: join(config.dataDir, 'admin.key'),
  });
  if (admin.generated) {
    // Printed once, on the console only: this is how a developer learns it.
    console.info(
      `INFO startup: generated a development admin key (stored in ${join(config.dataDir, 'admin.key')}): ${admin.key}`,
    );
  } else if (!config.adminApiKey) {
    // Every later start says where it is (never the key itself again).
    consoleLogger.log(
      'INFO',
      'startup',
      `Development admin key in ${join(config.dataDir, 'admin.key')} (set ADMIN_API_KEY to choose your own)`,
    );
  }
  // Before anything is opened (a refused directory leaves nothing behind): what a crashed process
  // left in the spool goes, and this process gets its own directory.
  const { spool: uploadSpool, swept } = UploadSpool.open({
    baseDir: config.uploads.spoolDir,
    thresholdBytes: config.uploads.spoolThresholdBytes,
  });
  const opened = await openDatabase(config.database, config.schemas);
  const { applied } = await migrate(opened);
  const db = options.wrapDb ? options.wrapDb(opened) : opened;
  const logSink = createDbLogSink({ db, maxQueue: config.logQueueMax });
  // The process's own secrets, masked wherever text is stored or shown (logs, audit, errors).
  const redact = createRedactor([
    admin.key,
    config.encryption.key,
    ...(config.encryption.previous ?? '').split(','),
    ...[masterKeys.current, ...masterKeys.previous].flatMap((k) => [
      k.toString('hex'),
      k.toString('base64'),
      k.toString('base64url'),
    ]),
  ]);
  const logger = redactingLogger(fanOut(consoleLogger, logSink), redact);
  logger.log(
    'INFO',
    'startup',
    `Database ${db.description} ready (${applied.length ? `applied ${applied.join(', ')}` : 'schema current'}; schema ${db.schemas.schema}, token tables in ${db.schemas.tokenSchema})`,
  );
  // One thinking budget for both: what is sent to the provider is what every hold covers.
  const thinkingBudget = config.gemini.thinkingBudget ?? DEFAULT_THINKING_BUDGET;
  const ledger = ledgerOptions({
    reservationTtlMs: config.ledger.reservationTtlMs,
    maxOutputTokens: config.ledger.maxOutputTokens,
    minOutputTokens: config.ledger.minOutputTokens,
    thinkingBudget,
  });
  const model = createGeminiModel({
    model: config.gemini.model,
    baseUrl: config.gemini.baseUrl,
    maxOutputTokens: config.ledger.maxOutputTokens,
    thinkingBudget,
  });
  const metrics = createMetrics();
  const extraction = { ...DEFAULT_EXTRACTION_OPTIONS, ...config.extraction };
  // Results and Idempotency-Key records live in the database: every instance on it (and this
  // one after a restart) answers from the same rows, and nothing is extracted or charged twice.
  const stores = {
    cache: new DbResultCache<ExtractionResult>(db, {
      ttlMs: extraction.cacheTtlMs,
      maxEntries: extraction.cacheMaxEntries,
    }),
    idempotency: new DbIdempotencyStore<ExtractionResult>(db, {
      ttlMs: extraction.idempotencyTtlMs,
      // A claim outlives any request (deadline, one more attempt, settling), so it is taken over
      // only from a process that died.
      leaseMs: extraction.deadlineMs + extraction.attemptTimeoutMs + 30_000,
      waitMs: extraction.deadlineMs,
      logger,
    }),
  };
  const core: ExtractionDeps = {
    db,
    vault: createKeyVault(masterKeys),
    logger,
    now: () => new Date(),
    ledger,
    redact,
    // Requests wait here for quota held by requests in flight; this process's settles wake it.
    quotaWaits: new FairQueue(),
    runtime: createExtractionRuntime(model, extraction, Math.random, stores),
    // The same model and endpoint extractions use, so a key that passes can serve them.
    keyProber: config.keyVerification.enabled
      ? createKeyProber({
          model: config.gemini.model,
          baseUrl: config.gemini.baseUrl,
          timeoutMs: config.keyVerification.timeoutMs,
        })
      : undefined,
    observer: {
      databaseWait: (ms) => metrics.dbWait.observe({}, ms / 1000),
      refusedBeforeDispatch: (cause) => metrics.refusedBeforeDispatch.inc({ cause }),
      failedAttempt: (code) => metrics.retries.inc({ code }),
      presumedCharge: ({ companyId, tokens, source }) =>
        metrics.presumedTokens.inc({ company: companyId, source }, tokens),
    },
  };
  // Releases holds left by a crashed process before serving, then keeps sweeping.
  const sweeper = startLedgerSweeper(core, config.ledger.sweepIntervalMs);
  await sweeper.ready;
  // Expired cache rows and idempotency records go on the same beat.
  const pruner = startStoredResultPruner(core, config.ledger.sweepIntervalMs);
  await pruner.ready;
  // Logs, failed attempts, old usage (archived first) and old audit rows, on a slower beat.
  const retention = startRetentionPruner(core, config.retention.policy, config.retention.intervalMs);
  if (swept.length)
    logger.log(
      'INFO',
      'startup',
      `Removed ${swept.length} upload spool ${swept.length === 1 ? 'directory' : 'directories'} left by stopped processes`,
    );
  // Webhook alerts: this process delivers what is due in the outbox (each row leased by one
  // process, so replicas never send it twice) and reports its own breakers opening.
  const alertDispatch: AlertDispatchOptions = {
    instanceId: core.ledger.instanceId,
    maxAttempts: config.alerts.maxAttempts,
    retryBaseMs: config.alerts.retryBaseMs,
    retryMaxMs: config.alerts.retryMaxMs,
    timeoutMs: config.alerts.timeoutMs,
    allowHosts: config.alerts.allowPrivateHosts,
    expiryWarnDays: config.alerts.expiryWarnDays,
  };
  core.runtime.onCircuitOpen((tokenId) => void alertCircuitOpen(core, tokenId, null));
  const alerts = startAlertDispatcher(core, alertDispatch, config.alerts.dispatchIntervalMs);
  const inFlight = new Map<string, number>();
  const deps: ServerDeps = {
    alertDispatch,
    core,
    config,
    adminKey: admin.key,
    version: VERSION,
    metrics,
    logSink,
    inFlight,
    companySlots: new CompanySlots(inFlight, config.companyConcurrency),
    draining: { value: false },
    active: { value: 0 },
    uploadSpool,
  };
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: createApp(deps).fetch, hostname: config.host, port: config.port }, () => {
      s.off('error', reject);
      resolve(s as Server);
    });
    s.once('error', reject);
    s.on('clientError', answerUnreadableRequest);
  }).catch(async (error: NodeJS.ErrnoException) => {
    // Nothing was served: give back what was opened, and say which setting to change.
    await sweeper.stop();
    await pruner.stop();
    await retention.stop();
    await alerts.stop();
    await uploadSpool.close();
    await logSink.close(1000);
    await db.close();
    throw listenError(error, config);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}`;
  logger.log(
    'INFO',
    'startup',
    `invoice gateway ${VERSION} running on ${url} (model ${config.gemini.model}${config.gemini.baseUrl ? ` at ${config.gemini.baseUrl}` : ''})`,
  );

  let closing: Promise<void> | undefined;
  const close = async () => {
    deps.draining.value = true;
    const deadline = Date.now() + config.shutdownDeadlineMs;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    while (deps.active.value > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    if (deps.active.value > 0) server.closeAllConnections();
    // Holds this process still has can no longer be settled: end them now rather than at expiry
    // (a dispatched one is charged as presumed usage, the others given back).
    await endInstanceHolds(core).catch(() => undefined);
    await sweeper.stop();
    await pruner.stop();
    await retention.stop();
    await alerts.stop();
    await uploadSpool.close().catch(() => undefined);
    logger.log('INFO', 'shutdown', 'stopped');
    await logSink.close(Math.max(1000, deadline - Date.now()));
    await stopped;
    await db.close();
  };
  return { url, deps, close: () => (closing ??= close()) };
}

/** A port that cannot be had, as one line that names the variable to change. */
function listenError(error: NodeJS.ErrnoException, config: ServerConfig): Error {
  const where = `${config.host}:${config.port}`;
  if (error.code === 'EADDRINUSE')
    return new ConfigError(
      `port ${config.port} is already in use on ${config.host}: stop the other process, or set PORT to a free port (PORT=0 picks one)`,
    );
  if (error.code === 'EACCES')
    return new ConfigError(
      `not allowed to listen on ${where}: set PORT to 1024 or above (or HOST to another address)`,
    );
  if (error.code === 'EADDRNOTAVAIL')
    return new ConfigError(
      `HOST ${config.host} is not an address of this machine: set HOST (for example 127.0.0.1)`,
    );
  return error;
}

/**
 * A request Node's HTTP parser cannot read (a body cut short, a malformed head) gets the same
 * JSON error as every other refusal, with a request id, instead of Node's bare 400.
 */
function answerUnreadableRequest(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const requestId = randomUUID();
  const body = JSON.stringify({
    status: 'error',
    code: 'VALIDATION_ERROR',
    message: 'The request could not be read (malformed or cut short)',
    requestId,
  });
  socket.end(
    `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
  );
}
