// Secrets never reach a log row: keys are masked in text, secret-named fields are dropped.
import { type Logger, type Redact, redactSecrets } from '@invoicegw/core';

const SECRET_FIELD = /(api_?key|secret|password|pwd|authorization|master|admin_?key|client_?key|^key$)/i;
/** Nested field values are walked this deep; deeper ones are stored as a marker. */
const MAX_DEPTH = 6;

/** Key shapes (Google, client, admin, sealed envelopes) and connection-string passwords, masked. */
export function redactText(text: string, redact: Redact = redactSecrets): string {
  return redact(text);
}

function redactValue(value: unknown, redact: Redact, depth: number): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[nested]';
  if (Array.isArray(value)) return value.map((v) => redactValue(v, redact, depth + 1));
  if (value instanceof Date) return value;
  return redactFields(value as Record<string, unknown>, redact, depth + 1);
}

export function redactFields(
  fields: Record<string, unknown>,
  redact: Redact = redactSecrets,
  depth = 0,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    out[k] = SECRET_FIELD.test(k) ? '[redacted]' : redactValue(v, redact, depth);
  }
  return out;
}

/**
 * Masks, before any sink sees a record, the secrets only this process knows (its admin and
 * master keys) as well as every key shape: what the console, ApplicationLogs and the stderr
 * echo receive is already clean.
 */
export function redactingLogger(inner: Logger, redact: Redact): Logger {
  return {
    log(level, logger, message, fields = {}) {
      inner.log(level, logger, redact(message), redactFields(fields, redact));
    },
  };
}
