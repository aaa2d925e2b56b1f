import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createClient, type GatewayClient } from '@invoicegw/client';
import { CliError, EXIT } from './exit-codes.ts';

export interface ConnectionFlags {
  url?: string;
  adminKey?: string;
  config?: string;
  actor?: string;
}

export interface Connection {
  url: string;
  client: GatewayClient;
  adminKey: string | undefined;
}

/**
 * Flags, then environment (OCR_OPS_URL, OCR_OPS_ADMIN_KEY), then a config file
 * (--config, OCR_OPS_CONFIG, or ~/.config/ocr-ops/config.json: {"url": …, "adminKey": …}).
 */
export function connect(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Connection {
  const file = readConfig(flags.config ?? env.OCR_OPS_CONFIG);
  // An empty variable counts as unset.
  const url = flags.url || env.OCR_OPS_URL || file.url || 'http://127.0.0.1:8000';
  const adminKey = flags.adminKey || env.OCR_OPS_ADMIN_KEY || file.adminKey;
  try {
    new URL(url);
  } catch {
    throw new CliError(`--url is not a URL: ${url}`, EXIT.USAGE);
  }
  const actor = flags.actor ?? env.OCR_OPS_ACTOR ?? env.USER ?? 'ocr-ops';
  return { url, adminKey, client: createClient({ url, adminKey, actor }) };
}

function readConfig(path: string | undefined): { url?: string; adminKey?: string } {
  const file = path ?? join(homedir(), '.config', 'ocr-ops', 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    if (path) throw new CliError(`Cannot read the config file ${file}`, EXIT.USAGE);
    return {};
  }
  try {
    return JSON.parse(text) as { url?: string; adminKey?: string };
  } catch {
    throw new CliError(`The config file ${file} is not valid JSON`, EXIT.USAGE);
  }
}
