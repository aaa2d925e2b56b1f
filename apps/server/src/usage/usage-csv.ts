import type { UsageExportRow } from '@invoicegw/core';

/** The export's columns, in order: CSV header names and the row fields they come from. */
export const USAGE_EXPORT_COLUMNS = [
  ['day', 'day'],
  ['company_id', 'companyId'],
  ['token_id', 'tokenId'],
  ['key_hint', 'keyHint'],
  ['branch', 'branch'],
  ['requested_by', 'requestedBy'],
  ['requests', 'requests'],
  ['input_tokens', 'inputTokens'],
  ['output_tokens', 'outputTokens'],
  ['thoughts_tokens', 'thoughtsTokens'],
  ['cached_tokens', 'cachedTokens'],
  ['total_tokens', 'totalTokens'],
  ['presumed_tokens', 'presumedTokens'],
] as const satisfies ReadonlyArray<readonly [string, keyof UsageExportRow]>;

/**
 * One CSV cell (RFC 4180). Text a spreadsheet would run as a formula (= + - @, or a tab or CR
 * before one) gets a leading apostrophe: branch and user names come from callers.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvHeader = (): string => `${USAGE_EXPORT_COLUMNS.map(([name]) => name).join(',')}\r\n`;

export function csvLines(rows: readonly UsageExportRow[]): string {
  return rows
    .map((r) => `${USAGE_EXPORT_COLUMNS.map(([, field]) => csvCell(r[field])).join(',')}\r\n`)
    .join('');
}
