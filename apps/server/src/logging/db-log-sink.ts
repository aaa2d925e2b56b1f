import type { LogFields, Logger, LogLevel } from '@invoicegw/core';
import { type DbHandle, insertApplicationLogs, type NewApplicationLogRow } from '@invoicegw/db';
import { consoleLine } from './console-logger.ts';
import { redactFields, redactText } from './redact.ts';

const RANK: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 };
/** Longest text a row keeps per column (the routes bound their input; this bounds everything else). */
const MAX_MESSAGE = 8000;
const MAX_DETAIL = 32_000;
const cut = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max)}…[${text.length - max} more characters]` : text;

export interface LogSinkStats {
  queued: number;
  written: number;
  dropped: number;
  failedFlushes: number;
}

export interface DbLogSink extends Logger {
  stats(): LogSinkStats;
  /** Writes what is queued; resolves when done (or when the database refused). */
  flush(): Promise<void>;
  close(deadlineMs: number): Promise<void>;
}

/**
 * Application logs into ApplicationLogs without ever making a request wait: records go into a
 * bounded queue that a timer writes in batches. While the database is unreachable the records
 * stay queued (and are echoed to stderr once); when the queue is full the oldest go, counted.
 */
export function createDbLogSink(options: {
  db: DbHandle;
  maxQueue: number;
  batchSize?: number;
  intervalMs?: number;
  minLevel?: LogLevel;
  stderr?: (line: string) => void;
}): DbLogSink {
  const queue: Array<{ row: NewApplicationLogRow; echoed: boolean }> = [];
  const batchSize = options.batchSize ?? 200;
  const write = options.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  // What reaches stderr is a console line too: one record, one line.
  const stderr = (line: string) => write(consoleLine(line));
  const stats = { written: 0, dropped: 0, failedFlushes: 0 };
  let flushing: Promise<void> | undefined;
  let databaseDown = false;

  async function flushOnce(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, batchSize);
      try {
        await insertApplicationLogs(
          options.db,
          batch.map((b) => b.row),
        );
      } catch (error) {
        stats.failedFlushes += 1;
        if (!databaseDown)
          stderr(
            `WARNING log-sink: ApplicationLogs unreachable (${(error as Error).message}); keeping records and writing them here`,
          );
        databaseDown = true;
        for (const b of queue) {
          if (b.echoed) continue;
          b.echoed = true;
          stderr(`${b.row.LogLevel} ${b.row.Logger}: ${b.row.Message}`);
        }
        return;
      }
      queue.splice(0, batch.length);
      stats.written += batch.length;
      if (databaseDown) {
        databaseDown = false;
        stderr('INFO log-sink: ApplicationLogs reachable again; queued records written');
      }
    }
  }

  const flush = () => {
    flushing ??= flushOnce().finally(() => {
      flushing = undefined;
    });
    return flushing;
  };
  const timer = setInterval(() => void flush(), options.intervalMs ?? 250);
  timer.unref();

  return {
    log(level: LogLevel, logger: string, message: string, fields: LogFields = {}) {
      if (RANK[level] < RANK[options.minLevel ?? 'INFO']) return;
      const { requestId, companyId, tokenId, ...rest } = redactFields(fields) as LogFields;
      if (queue.length >= options.maxQueue) {
        queue.shift();
        stats.dropped += 1;
      }
      queue.push({
        echoed: false,
        row: {
          Timestamp: new Date(),
          LogLevel: level,
          Logger: logger,
          Message: cut(redactText(message), MAX_MESSAGE),
          Exception: typeof rest.exception === 'string' ? cut(redactText(rest.exception), MAX_DETAIL) : null,
          Module: logger,
          FunctionName: typeof rest.fn === 'string' ? rest.fn : null,
          LineNumber: null,
          RequestID: typeof requestId === 'string' ? requestId : null,
          CompanyID: typeof companyId === 'string' ? companyId : null,
          Context: cut(
            JSON.stringify({ ...(tokenId === undefined ? {} : { tokenId }), ...rest }),
            MAX_DETAIL,
          ),
        },
      });
    },
    stats: () => ({ queued: queue.length, ...stats }),
    flush,
    async close(deadlineMs) {
      clearInterval(timer);
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, deadlineMs).unref());
      await Promise.race([flush(), deadline]);
      if (queue.length > 0) {
        for (const b of queue) if (!b.echoed) stderr(`${b.row.LogLevel} ${b.row.Logger}: ${b.row.Message}`);
        stderr(
          `WARNING log-sink: ${queue.length} record(s) could not be written to ApplicationLogs before shutdown`,
        );
      }
    },
  };
}

/** One logger that writes to each of `loggers`. */
export function fanOut(...loggers: Logger[]): Logger {
  return {
    log: (...args) => {
      for (const l of loggers) l.log(...args);
    },
  };
}
