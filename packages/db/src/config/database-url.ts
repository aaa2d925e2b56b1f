import {
  type DatabaseConfig,
  DatabaseConfigError,
  DEFAULT_SQLITE_FILE,
  type MssqlConfig,
} from './database-config.ts';

const USAGE =
  'Expected sqlite:<path>, sqlite::memory:, mssql://user:password@host:1433/database?encrypt=true, ' +
  'or an ADO.NET string such as Server=host,1433;Database=db;User Id=u;Password=p;Encrypt=True';

const MSSQL_DEFAULTS = {
  encrypt: true,
  trustServerCertificate: false,
  connectTimeoutMs: 15_000,
  requestTimeoutMs: 30_000,
  poolMax: 10,
} as const;

/**
 * Parses DATABASE_URL. Unset or blank means the embedded SQLite file `./data/ocr.sqlite`.
 * Errors describe what is wrong without repeating the input, which may hold a password.
 */
export function parseDatabaseUrl(raw: string | undefined): DatabaseConfig {
  const url = raw?.trim() ?? '';
  if (url === '') return { kind: 'sqlite', filename: DEFAULT_SQLITE_FILE };
  if (/^sqlite:/i.test(url)) return parseSqliteUrl(url);
  if (/^(mssql|sqlserver):\/\//i.test(url)) return parseMssqlUrl(url);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    const scheme = url.slice(0, url.indexOf(':'));
    throw new DatabaseConfigError(`DATABASE_URL has an unsupported scheme '${scheme}'. ${USAGE}`);
  }
  if (url.includes('=')) return parseAdoNet(url);
  throw new DatabaseConfigError(`DATABASE_URL is not a recognised connection string. ${USAGE}`);
}

/** A form of the config that is safe to log. */
export function describeDatabase(config: DatabaseConfig): string {
  if (config.kind === 'sqlite') return `sqlite:${config.filename}`;
  const host = config.instanceName ? `${config.server}\\${config.instanceName}` : config.server;
  const port = config.port ? `:${config.port}` : '';
  return `mssql://${config.user}:***@${host}${port}/${config.database}`;
}

function parseSqliteUrl(url: string): DatabaseConfig {
  let rest = url.slice('sqlite:'.length);
  if (rest.startsWith('//')) rest = rest.slice(2);
  if (rest === '')
    throw new DatabaseConfigError(`DATABASE_URL 'sqlite:' needs a file path or :memory:. ${USAGE}`);
  return { kind: 'sqlite', filename: rest === ':memory:' ? ':memory:' : rest };
}

function parseMssqlUrl(url: string): MssqlConfig {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseConfigError(`DATABASE_URL is not a valid mssql:// URL. ${USAGE}`);
  }
  const database = safeDecode(parsed.pathname.replace(/^\//, ''), 'database name');
  const params = new Map([...parsed.searchParams].map(([k, v]) => [k.toLowerCase(), v]));
  const known = new Set([
    'encrypt',
    'trustservercertificate',
    'instancename',
    'connecttimeout',
    'requesttimeout',
    'poolmax',
  ]);
  for (const key of params.keys()) {
    if (!known.has(key)) {
      throw new DatabaseConfigError(
        `DATABASE_URL has an unknown option ${quoteName(key)}. Known: encrypt, trustServerCertificate, instanceName, connectTimeout, requestTimeout, poolMax`,
      );
    }
  }
  return finishMssql({
    server: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : undefined,
    instanceName: params.get('instancename') || undefined,
    database,
    user: safeDecode(parsed.username, 'user name'),
    password: safeDecode(parsed.password, 'password'),
    encrypt: params.has('encrypt') ? parseBool('encrypt', params.get('encrypt')!) : undefined,
    trustServerCertificate: params.has('trustservercertificate')
      ? parseBool('trustServerCertificate', params.get('trustservercertificate')!)
      : undefined,
    connectTimeoutMs: optionalInt('connectTimeout', params.get('connecttimeout'), 1),
    requestTimeoutMs: optionalInt('requestTimeout', params.get('requesttimeout'), 1),
    poolMax: optionalInt('poolMax', params.get('poolmax'), 1),
  });
}

const ADO_KEYS: Record<string, string> = {
  server: 'server',
  'data source': 'server',
  address: 'server',
  addr: 'server',
  'network address': 'server',
  database: 'database',
  'initial catalog': 'database',
  'user id': 'user',
  uid: 'user',
  user: 'user',
  username: 'user',
  password: 'password',
  pwd: 'password',
  encrypt: 'encrypt',
  trustservercertificate: 'trustServerCertificate',
  'trust server certificate': 'trustServerCertificate',
  'connect timeout': 'connectTimeout',
  'connection timeout': 'connectTimeout',
  timeout: 'connectTimeout',
  'command timeout': 'requestTimeout',
  'max pool size': 'poolMax',
  'integrated security': 'integratedSecurity',
  trusted_connection: 'integratedSecurity',
  authentication: 'authentication',
};

/** Keys an ADO.NET string may carry that do not change how we connect. */
const ADO_IGNORED = new Set([
  'application name',
  'app',
  'multipleactiveresultsets',
  'persist security info',
  'pooling',
  'min pool size',
  'multisubnetfailover',
  'application intent',
  'applicationintent',
  'packet size',
  'workstation id',
  'wsid',
  'language',
  'current language',
  'connection lifetime',
  'load balance timeout',
  'connectretrycount',
  'connectretryinterval',
  'hostnameincertificate',
  'host name in certificate',
]);

function parseAdoNet(text: string): MssqlConfig {
  const pairs = tokenizeAdoNet(text);
  const values = new Map<string, string>();
  for (const [rawKey, value] of pairs) {
    const key = rawKey.toLowerCase().replace(/\s+/g, ' ');
    const canonical = ADO_KEYS[key];
    if (canonical) values.set(canonical, value);
    else if (!ADO_IGNORED.has(key)) {
      throw new DatabaseConfigError(
        `DATABASE_URL (ADO.NET form) has an unknown keyword ${quoteName(rawKey)}`,
      );
    }
  }
  if (
    values.has('integratedSecurity') &&
    parseBool('Integrated Security', values.get('integratedSecurity')!)
  ) {
    throw new DatabaseConfigError(
      'DATABASE_URL uses Integrated Security, which is not supported here: give a SQL login with User Id and Password',
    );
  }
  if (values.has('authentication')) {
    throw new DatabaseConfigError(
      'DATABASE_URL sets Authentication=…, which is not supported here: give a SQL login with User Id and Password',
    );
  }
  const serverText = values.get('server') ?? '';
  let server = serverText.replace(/^tcp:/i, '');
  let port: number | undefined;
  const comma = server.lastIndexOf(',');
  if (comma >= 0) {
    port = requiredPort(server.slice(comma + 1).trim());
    server = server.slice(0, comma).trim();
  }
  let instanceName: string | undefined;
  const slash = server.indexOf('\\');
  if (slash >= 0) {
    instanceName = server.slice(slash + 1) || undefined;
    server = server.slice(0, slash);
  }
  if (server === '.' || server.toLowerCase() === '(local)') server = 'localhost';
  const encrypt = values.get('encrypt');
  const trust = values.get('trustServerCertificate');
  return finishMssql({
    server,
    port,
    instanceName,
    database: values.get('database') ?? '',
    user: values.get('user') ?? '',
    password: values.get('password') ?? '',
    // ADO.NET also knows Mandatory / Optional / Strict for Encrypt.
    encrypt:
      encrypt === undefined
        ? undefined
        : parseBool('Encrypt', encrypt, { mandatory: true, strict: true, optional: false }),
    trustServerCertificate: trust === undefined ? undefined : parseBool('TrustServerCertificate', trust),
    connectTimeoutMs: secondsToMs('Connect Timeout', values.get('connectTimeout')),
    requestTimeoutMs: secondsToMs('Command Timeout', values.get('requestTimeout')),
    poolMax: optionalInt('Max Pool Size', values.get('poolMax'), 1),
  });
}

/** Splits `k=v;k2="v;2"` honouring single or double quotes (a doubled quote is a literal one). */
function tokenizeAdoNet(text: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && (text[i] === ';' || /\s/.test(text[i]!))) i += 1;
    if (i >= text.length) break;
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new DatabaseConfigError('DATABASE_URL (ADO.NET form) has a keyword without a value');
    const key = text.slice(i, eq).trim();
    if (key === '') throw new DatabaseConfigError('DATABASE_URL (ADO.NET form) has an empty keyword');
    i = eq + 1;
    while (i < text.length && text[i] === ' ') i += 1;
    let value = '';
    const quote = text[i];
    if (quote === '"' || quote === "'") {
      i += 1;
      for (;;) {
        if (i >= text.length) {
          throw new DatabaseConfigError(`DATABASE_URL (ADO.NET form) has an unterminated quote in '${key}'`);
        }
        if (text[i] === quote) {
          if (text[i + 1] === quote) {
            value += quote;
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        value += text[i];
        i += 1;
      }
      while (i < text.length && text[i] === ' ') i += 1;
      if (i < text.length && text[i] !== ';') {
        throw new DatabaseConfigError(
          `DATABASE_URL (ADO.NET form) has text after the quoted value of '${key}'`,
        );
      }
    } else {
      const end = text.indexOf(';', i);
      value = (end < 0 ? text.slice(i) : text.slice(i, end)).trim();
      i = end < 0 ? text.length : end;
    }
    pairs.push([key, value]);
  }
  return pairs;
}

/** What a connection string said; undefined where it said nothing and a default applies. */
type MssqlParts = { [K in Exclude<keyof MssqlConfig, 'kind'>]: MssqlConfig[K] | undefined };

function finishMssql(parts: MssqlParts): MssqlConfig {
  const { server, database, user, password } = parts;
  const missing = Object.entries({ server, database, user, password }).filter(([, v]) => !v);
  if (!server || !database || !user || !password) {
    const names = missing.map(([k]) => k).join(', ');
    throw new DatabaseConfigError(`DATABASE_URL for SQL Server is missing: ${names}. ${USAGE}`);
  }
  if (parts.port !== undefined && (!Number.isInteger(parts.port) || parts.port < 1 || parts.port > 65535)) {
    throw new DatabaseConfigError('DATABASE_URL has a port outside 1-65535');
  }
  return {
    kind: 'mssql',
    server,
    port: parts.port,
    instanceName: parts.instanceName,
    database,
    user,
    password,
    encrypt: parts.encrypt ?? MSSQL_DEFAULTS.encrypt,
    trustServerCertificate: parts.trustServerCertificate ?? MSSQL_DEFAULTS.trustServerCertificate,
    connectTimeoutMs: parts.connectTimeoutMs ?? MSSQL_DEFAULTS.connectTimeoutMs,
    requestTimeoutMs: parts.requestTimeoutMs ?? MSSQL_DEFAULTS.requestTimeoutMs,
    poolMax: parts.poolMax ?? MSSQL_DEFAULTS.poolMax,
  };
}

/**
 * Names an unknown keyword only when it looks like one: a mistyped URL or an unquoted password
 * with `;` turns part of the password into a "keyword", and that must never be echoed.
 */
function quoteName(name: string): string {
  return /^[A-Za-z][A-Za-z _]{0,39}$/.test(name)
    ? `'${name}'`
    : '(not shown: it does not look like a keyword)';
}

function parseBool(name: string, value: string, extra: Record<string, boolean> = {}): boolean {
  const v = value.trim().toLowerCase();
  if (['true', 'yes', '1', 'on'].includes(v)) return true;
  if (['false', 'no', '0', 'off'].includes(v)) return false;
  if (v in extra) return extra[v]!;
  throw new DatabaseConfigError(`DATABASE_URL option ${name} must be true or false`);
}

function optionalInt(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new DatabaseConfigError(`DATABASE_URL option ${name} must be an integer >= ${min}`);
  return n;
}

function secondsToMs(name: string, value: string | undefined): number | undefined {
  const seconds = optionalInt(name, value, 1);
  return seconds === undefined ? undefined : seconds * 1000;
}

function requiredPort(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535)
    throw new DatabaseConfigError('DATABASE_URL has a port outside 1-65535');
  return n;
}

function safeDecode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new DatabaseConfigError(`DATABASE_URL has a badly percent-encoded ${what}`);
  }
}
