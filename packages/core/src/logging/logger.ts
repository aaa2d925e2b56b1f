export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';

/** Structured fields of a log record; the sink redacts and stores them. Never put a key here. */
export interface LogFields {
  requestId?: string;
  companyId?: string;
  tokenId?: number;
  [field: string]: unknown;
}

/** Where domain code writes logs; the server passes one that reaches ApplicationLogs. */
export interface Logger {
  log(level: LogLevel, logger: string, message: string, fields?: LogFields): void;
}

export interface LogRecord {
  level: LogLevel;
  logger: string;
  message: string;
  fields: LogFields;
}

/** Keeps records in memory: for tests and for the CLI's own use. */
export function createMemoryLogger(): Logger & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  return {
    records,
    log(level, logger, message, fields = {}) {
      records.push({ level, logger, message, fields });
    },
  };
}
