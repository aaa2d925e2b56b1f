import type { LogFields, Logger, LogLevel } from '@invoicegw/core';
import { redactFields, redactText } from './redact.ts';

/** Readable one-line records on stdout/stderr: `WARNING token-ledger: message {"tokenId":3}`. */
export function createConsoleLogger(write: (line: string, level: LogLevel) => void = defaultWrite): Logger {
  return {
    log(level, logger, message, fields: LogFields = {}) {
      const extra = Object.keys(fields).length > 0 ? ` ${JSON.stringify(redactFields(fields))}` : '';
      write(`${level} ${logger}: ${redactText(message)}${extra}`, level);
    },
  };
}

function defaultWrite(line: string, level: LogLevel): void {
  if (level === 'ERROR' || level === 'CRITICAL' || level === 'WARNING') console.error(line);
  else console.info(line);
}
