import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeDatabase } from '@invoicegw/db';
import type { ServerConfig } from './env.ts';

/** The repository's sample invoice, when the service runs from a checkout. */
const SAMPLE = fileURLToPath(new URL('../../../samples/sample-invoice.pdf', import.meta.url));

export interface SummaryInput {
  url: string;
  config: ServerConfig;
  /** Where relative paths are read from (the process's working directory). */
  cwd: string;
}

/**
 * What `pnpm start` prints once it listens: where everything is, and, outside production, what
 * to do next. Plain lines for a person; the log lines before it stay one record per line.
 */
export function startupSummary({ url, config, cwd }: SummaryInput): string[] {
  // Safe to show: a password is masked.
  const database = describeDatabase(config.database);
  const dataDir = resolve(cwd, config.dataDir);
  const adminKey = config.adminApiKey
    ? 'from ADMIN_API_KEY'
    : `${join(dataDir, 'admin.key')} (development; set ADMIN_API_KEY to choose your own)`;
  const gemini = config.gemini.baseUrl
    ? `${config.gemini.baseUrl} (GEMINI_BASE_URL), model ${config.gemini.model}`
    : `Google's API, model ${config.gemini.model} (GEMINI_BASE_URL unset: the keys you add must be real)`;
  const lines = [
    '',
    `  gateway     ${url}  (health: GET ${url}/)`,
    `  dashboard   ${url}/ui  (sign in with the admin key)`,
    `  API docs    ${url}/docs  (OpenAPI: ${url}/openapi.json; tRPC: ${url}/trpc)`,
    `  database    ${database}`,
    `  data dir    ${dataDir}`,
    `  admin key   ${adminKey}`,
    `  Gemini      ${gemini}`,
    '',
  ];
  if (config.nodeEnv === 'production') return lines;
  const fromCwd = relative(cwd, SAMPLE);
  const sample = !existsSync(SAMPLE) ? 'invoice.pdf' : fromCwd.startsWith('..') ? SAMPLE : fromCwd;
  // ocr-ops reads ./data/admin.key, or $DATA_DIR/admin.key: say DATA_DIR when it is elsewhere.
  const dataEnv = dataDir === resolve(cwd, 'data') ? '' : `DATA_DIR=${config.dataDir} `;
  const key = config.gemini.baseUrl ? 'printf %s AIzaFAKE-any-key-the-emulator-takes | ' : '';
  // ocr-ops calls http://127.0.0.1:8000 unless told: say OCR_OPS_URL when this server is elsewhere.
  const urlEnv = url === 'http://127.0.0.1:8000' ? '' : `OCR_OPS_URL=${url} `;
  return [
    ...lines,
    config.adminApiKey
      ? 'Next: register a company and its Gemini key (OCR_OPS_ADMIN_KEY: the admin key), then extract an invoice:'
      : 'Next: register a company and its Gemini key (ocr-ops finds the admin key by itself), then extract an invoice:',
    `  ${key}${urlEnv}${dataEnv}pnpm -s ocr-ops tokens add --company NT047 --limit 100000${key ? '' : '   # asks for the key'}`,
    `  curl -F file=@${sample} -F companyID=NT047 -F username=me ${url}/extract`,
    ...(config.gemini.baseUrl
      ? []
      : ['No Gemini key at hand? Run `pnpm emulator` and start with GEMINI_BASE_URL=http://127.0.0.1:8090.']),
    'Stop with Ctrl+C.',
    '',
  ];
}
