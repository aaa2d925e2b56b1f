import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
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
  /** Where the admin key came from (a flag, a variable or a file's name; never the key), for messages. */
  adminKeySource: string | undefined;
  /** A client whose every request carries `X-Request-Id: <prefix>-<n>` (the server logs it as clientRequestId). */
  taggedClient(prefix: string): GatewayClient;
}

/**
 * Flags, then environment (OCR_OPS_URL, OCR_OPS_ADMIN_KEY), then a config file
 * (--config, OCR_OPS_CONFIG, or ~/.config/ocr-ops/config.json: {"url": …, "adminKey": …}), then,
 * for the admin key only, the development server's `$DATA_DIR/admin.key` (DATA_DIR defaults to
 * ./data, as the server's does) when it is there.
 */
export function connect(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Connection {
  const configPath = flags.config || env.OCR_OPS_CONFIG || undefined;
  const file = readConfig(configPath);
  // An empty variable counts as unset.
  const url = flags.url || env.OCR_OPS_URL || file.url || 'http://127.0.0.1:8000';
  const found: Array<[string | undefined, () => string]> = [
    [flags.adminKey, () => '--admin-key'],
    [env.OCR_OPS_ADMIN_KEY, () => 'OCR_OPS_ADMIN_KEY'],
    [file.adminKey, () => `the config file ${configPath ?? DEFAULT_CONFIG}`],
  ];
  let adminKey: string | undefined;
  let adminKeySource: string | undefined;
  for (const [value, source] of found)
    if (value) {
      adminKey = value;
      adminKeySource = source();
      break;
    }
  if (!adminKey) {
    const dev = devAdminKey(env, cwd);
    if (dev) ({ key: adminKey, source: adminKeySource } = dev);
  }
  try {
    new URL(url);
  } catch {
    throw new CliError(`--url is not a URL: ${url}`, EXIT.USAGE);
  }
  const actor = flags.actor ?? env.OCR_OPS_ACTOR ?? env.USER ?? 'ocr-ops';
  return {
    url,
    adminKey,
    adminKeySource,
    client: createClient({ url, adminKey, actor }),
    taggedClient(prefix) {
      let n = 0;
      const tagged: typeof fetch = (input, init) => {
        const headers = new Headers(init?.headers);
        headers.set('x-request-id', `${prefix}-${++n}`);
        return fetch(input, { ...init, headers });
      };
      return createClient({ url, adminKey, actor, fetch: tagged });
    },
  };
}

const DEFAULT_CONFIG = '~/.config/ocr-ops/config.json';

/** The key a development server wrote for itself (apps/server: `${DATA_DIR}/admin.key`), read quietly. */
function devAdminKey(env: NodeJS.ProcessEnv, cwd: string): { key: string; source: string } | undefined {
  const dataDir = env.DATA_DIR || './data';
  const path = join(dataDir, 'admin.key');
  try {
    const key = readFileSync(resolve(cwd, path), 'utf8').trim();
    return key ? { key, source: path } : undefined;
  } catch {
    return undefined;
  }
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
