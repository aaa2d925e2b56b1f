import type { LogFields, Logger, LogLevel } from '@invoicegw/core';
import { redactFields, redactText } from './redact.ts';

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
/** A console line is cut here: a record can never flood stdout. */
const MAX_LINE = 32 * 1024;
const UNPRINTABLE = /[\p{Cc}\p{Zl}\p{Zp}]/gu;

/** Control characters (and Unicode line separators) escaped: one record is one line, whatever it carries. */
export function escapeControl(text: string): string {
  return text.replace(
    UNPRINTABLE,
    (ch) => NAMED[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** One console line: control characters escaped, at most 32 KB. */
export function consoleLine(text: string): string {
  const line = escapeControl(text.length > MAX_LINE ? text.slice(0, MAX_LINE) : text);
  return text.length > MAX_LINE ? `${line}…[${text.length - MAX_LINE} more characters]` : line;
}

/** Readable one-line records on stdout/stderr: `WARNING token-ledger: message {"tokenId":3}`. */
export function createConsoleLogger(write: (line: string, level: LogLevel) => void = defaultWrite): Logger {
  return {
    log(level, logger, message, fields: LogFields = {}) {
      const extra = Object.keys(fields).length > 0 ? ` ${JSON.stringify(redactFields(fields))}` : '';
      write(consoleLine(`${level} ${logger}: ${redactText(message)}${extra}`), level);
    },
  };
}

function defaultWrite(line: string, level: LogLevel): void {
  if (level === 'ERROR' || level === 'CRITICAL' || level === 'WARNING') console.error(line);
  else console.info(line);
}
