import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DatabaseConfigError, DEFAULT_SQLITE_FILE, type MssqlConfig } from '../src/config/database-config.ts';
import { describeDatabase, parseDatabaseUrl } from '../src/config/database-url.ts';

const SECRET = 'Sup3r-Secret-Pw';

/** Runs the parser and returns the thrown error, failing the test when nothing (or something else) is thrown. */
function parseError(raw: string | undefined): DatabaseConfigError {
  let thrown: unknown;
  try {
    parseDatabaseUrl(raw);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected ${JSON.stringify(raw)} to be rejected`).toBeInstanceOf(DatabaseConfigError);
  const error = thrown as DatabaseConfigError;
  expect(error.code).toBe('INVALID_DATABASE_CONFIG');
  expect(error.name).toBe('DatabaseConfigError');
  return error;
}

function parseMssql(raw: string): MssqlConfig {
  const config = parseDatabaseUrl(raw);
  if (config.kind !== 'mssql') throw new Error(`expected an mssql config, got ${config.kind}`);
  return config;
}

/** The message must not carry the secret, in any letter case (query keys are lower-cased by the parser). */
function expectNoSecret(message: string, secret: string): void {
  expect(message).not.toContain(secret);
  expect(message.toLowerCase()).not.toContain(secret.toLowerCase());
}

const MSSQL_DEFAULT_TIMEOUTS = { connectTimeoutMs: 15_000, requestTimeoutMs: 30_000, poolMax: 10 };

describe('parseDatabaseUrl: SQLite', () => {
  it.each([
    ['undefined', undefined],
    ['empty', ''],
    ['blank', '   '],
    ['whitespace with newlines and tabs', '\n\t  \n'],
  ])('treats %s as the default SQLite file', (_label, raw) => {
    expect(parseDatabaseUrl(raw)).toEqual({ kind: 'sqlite', filename: DEFAULT_SQLITE_FILE });
    expect(DEFAULT_SQLITE_FILE).toBe('./data/ocr.sqlite');
  });

  it.each([
    ['sqlite:./x/y.sqlite', './x/y.sqlite'],
    ['sqlite:/abs/p.db', '/abs/p.db'],
    ['sqlite::memory:', ':memory:'],
    ['sqlite://./x/y.sqlite', './x/y.sqlite'],
    ['sqlite:///abs/p.db', '/abs/p.db'],
    ['sqlite://:memory:', ':memory:'],
    ['sqlite:relative.db', 'relative.db'],
    ['SQLITE:./upper.sqlite', './upper.sqlite'],
    ['  sqlite:./trimmed.sqlite  ', './trimmed.sqlite'],
  ])('parses %s', (raw, filename) => {
    expect(parseDatabaseUrl(raw)).toEqual({ kind: 'sqlite', filename });
  });

  it.each(['sqlite:', 'sqlite://', '  sqlite:  '])('rejects %j without a path', (raw) => {
    const error = parseError(raw);
    expect(error.message).toMatch(/needs a file path or :memory:/);
  });

  it('describes a SQLite config', () => {
    expect(describeDatabase(parseDatabaseUrl('sqlite:./x/y.sqlite'))).toBe('sqlite:./x/y.sqlite');
    expect(describeDatabase(parseDatabaseUrl(undefined))).toBe('sqlite:./data/ocr.sqlite');
  });
});

describe('parseDatabaseUrl: mssql:// URL', () => {
  it('parses every field of a full URL', () => {
    expect(
      parseDatabaseUrl('mssql://user:pass@host:1433/db?encrypt=true&trustServerCertificate=false'),
    ).toEqual({
      kind: 'mssql',
      server: 'host',
      port: 1433,
      instanceName: undefined,
      database: 'db',
      user: 'user',
      password: 'pass',
      encrypt: true,
      trustServerCertificate: false,
      connectTimeoutMs: 15_000,
      requestTimeoutMs: 30_000,
      poolMax: 10,
    });
  });

  it('applies defaults when no options or port are given', () => {
    const config = parseMssql('mssql://user:pass@host/db');
    expect(config).toMatchObject({
      server: 'host',
      port: undefined,
      instanceName: undefined,
      database: 'db',
      encrypt: true,
      trustServerCertificate: false,
      ...MSSQL_DEFAULT_TIMEOUTS,
    });
  });

  it('reads the optional numeric and boolean options (case-insensitive keys)', () => {
    const config = parseMssql(
      'mssql://u:p@h:14330/db?Encrypt=false&TRUSTSERVERCERTIFICATE=yes&connectTimeout=5000&requestTimeout=60000&poolMax=3',
    );
    expect(config).toMatchObject({
      port: 14330,
      encrypt: false,
      trustServerCertificate: true,
      connectTimeoutMs: 5000,
      requestTimeoutMs: 60_000,
      poolMax: 3,
    });
  });

  it.each([
    ['true', true],
    ['1', true],
    ['yes', true],
    ['on', true],
    ['TRUE', true],
    ['false', false],
    ['0', false],
    ['no', false],
    ['off', false],
  ])('accepts encrypt=%s', (value, expected) => {
    expect(parseMssql(`mssql://u:p@h/db?encrypt=${value}`).encrypt).toBe(expected);
  });

  it.each([
    ['p%40ss%3Bword', 'p@ss;word'],
    ['p%3Ass%2Fw%3Fo%23rd', 'p:ss/w?o#rd'],
    ['%25percent', '%percent'],
    ['caf%C3%A9', 'café'],
    ['with%20space', 'with space'],
  ])('decodes the percent-encoded password %s', (encoded, decoded) => {
    expect(parseMssql(`mssql://user:${encoded}@host/db`).password).toBe(decoded);
  });

  it('decodes a percent-encoded user and database', () => {
    const config = parseMssql('mssql://dom%5Cuser:p@host/my%20db');
    expect(config.user).toBe('dom\\user');
    expect(config.database).toBe('my db');
  });

  it('accepts the sqlserver:// alias and upper-case schemes', () => {
    const expected = parseMssql('mssql://u:p@h:1433/db');
    expect(parseMssql('sqlserver://u:p@h:1433/db')).toEqual(expected);
    expect(parseMssql('MSSQL://u:p@h:1433/db')).toEqual(expected);
    expect(parseMssql('SqlServer://u:p@h:1433/db')).toEqual(expected);
  });

  it('reads instanceName', () => {
    const config = parseMssql('mssql://u:p@host/db?instanceName=SQLEXPRESS');
    expect(config.instanceName).toBe('SQLEXPRESS');
    expect(config.server).toBe('host');
    expect(config.port).toBeUndefined();
  });

  it('treats an empty instanceName as absent', () => {
    expect(parseMssql('mssql://u:p@host/db?instanceName=').instanceName).toBeUndefined();
  });

  it('strips the brackets of an IPv6 host', () => {
    const config = parseMssql('mssql://u:p@[::1]:1433/db');
    expect(config.server).toBe('::1');
    expect(config.port).toBe(1433);
  });

  it('rejects an unknown option, naming the key', () => {
    const error = parseError('mssql://u:p@h/db?bogus=1');
    expect(error.message).toContain("unknown option 'bogus'");
  });

  it.each([
    ['user', 'mssql://:pass@host/db', 'user'],
    ['user and password', 'mssql://host/db', 'user, password'],
    ['password', 'mssql://user@host/db', 'password'],
    ['password (empty after colon)', 'mssql://user:@host/db', 'password'],
    ['database', 'mssql://user:pass@host/', 'database'],
    ['database (no path)', 'mssql://user:pass@host', 'database'],
  ])('rejects a missing %s', (_label, raw, missing) => {
    const error = parseError(raw);
    expect(error.message).toContain(`missing: ${missing}.`);
  });

  it.each(['encrypt=maybe', 'encrypt=', 'trustServerCertificate=2'])(
    'rejects the bad boolean %s',
    (query) => {
      const error = parseError(`mssql://u:p@h/db?${query}`);
      expect(error.message).toMatch(/must be true or false/);
    },
  );

  it.each([
    'poolMax=0',
    'poolMax=-1',
    'poolMax=1.5',
    'poolMax=ten',
    'connectTimeout=0',
    'requestTimeout=abc',
  ])('rejects the bad integer %s', (query) => {
    expect(parseError(`mssql://u:p@h/db?${query}`).message).toMatch(/must be an integer >= 1/);
  });

  it.each(['mssql://u:p@h:0/db', 'mssql://u:p@h:65536/db', 'mssql://u:p@h:99999/db'])(
    'rejects the out-of-range port in %s',
    (raw) => {
      parseError(raw);
    },
  );

  it('rejects a URL that does not parse', () => {
    expect(parseError('mssql://u:p@[::1/db').message).toMatch(/not a valid mssql:\/\/ URL/);
  });
});

describe('parseDatabaseUrl: ADO.NET connection string', () => {
  it('parses every field of the canonical form', () => {
    expect(
      parseDatabaseUrl(
        'Server=host,1433;Database=db;User Id=u;Password=p;Encrypt=True;TrustServerCertificate=False',
      ),
    ).toEqual({
      kind: 'mssql',
      server: 'host',
      port: 1433,
      instanceName: undefined,
      database: 'db',
      user: 'u',
      password: 'p',
      encrypt: true,
      trustServerCertificate: false,
      connectTimeoutMs: 15_000,
      requestTimeoutMs: 30_000,
      poolMax: 10,
    });
  });

  it('accepts the keyword synonyms', () => {
    const config = parseMssql('Data Source=host;Initial Catalog=db;UID=u;PWD=p');
    expect(config).toMatchObject({
      server: 'host',
      port: undefined,
      database: 'db',
      user: 'u',
      password: 'p',
    });
    expect(parseMssql('Address=h;Database=d;User=u;Password=p').server).toBe('h');
    expect(parseMssql('Addr=h;Database=d;Username=u;Password=p').user).toBe('u');
    expect(parseMssql('Network Address=h;Database=d;User Id=u;Password=p').server).toBe('h');
  });

  it('matches keywords case-insensitively and collapses inner whitespace', () => {
    const config = parseMssql('SERVER=h;DATABASE=d;user   id=u;PassWord=p;trust server certificate=yes');
    expect(config).toMatchObject({ server: 'h', database: 'd', user: 'u', password: 'p' });
    expect(config.trustServerCertificate).toBe(true);
  });

  it('tolerates spaces, a trailing semicolon and empty segments', () => {
    const config = parseMssql('  Server = h , 1433 ;; Database = d ; User Id = u ; Password = p ;  ');
    expect(config).toMatchObject({ server: 'h', port: 1433, database: 'd', user: 'u', password: 'p' });
  });

  it('strips the tcp: prefix', () => {
    const config = parseMssql('Server=tcp:host.example.com,1433;Database=d;User Id=u;Password=p');
    expect(config.server).toBe('host.example.com');
    expect(config.port).toBe(1433);
    expect(parseMssql('Server=TCP:h;Database=d;User Id=u;Password=p').server).toBe('h');
  });

  it('splits host\\INSTANCE', () => {
    const config = parseMssql('Server=host\\INSTANCE;Database=d;User Id=u;Password=p');
    expect(config.server).toBe('host');
    expect(config.instanceName).toBe('INSTANCE');
    expect(config.port).toBeUndefined();
  });

  it('splits host\\INSTANCE,port', () => {
    const config = parseMssql('Server=tcp:host\\INSTANCE,1444;Database=d;User Id=u;Password=p');
    expect(config).toMatchObject({ server: 'host', instanceName: 'INSTANCE', port: 1444 });
  });

  it.each([
    ['.', undefined],
    ['(local)', undefined],
    ['(LOCAL)', undefined],
    ['.\\SQLEXPRESS', 'SQLEXPRESS'],
    ['(local)\\SQLEXPRESS', 'SQLEXPRESS'],
  ])('maps the local server %s to localhost', (server, instanceName) => {
    const config = parseMssql(`Server=${server};Database=d;User Id=u;Password=p`);
    expect(config.server).toBe('localhost');
    expect(config.instanceName).toBe(instanceName);
  });

  it.each([
    ['Password="a;b""c"', 'a;b"c'],
    ["Password='a;b''c'", "a;b'c"],
    ['Password="it\'s"', "it's"],
    ['Password=\'say "hi"\'', 'say "hi"'],
    ['Password="  padded  "', '  padded  '],
    ['Password="a=b;c=d"', 'a=b;c=d'],
    ['Password=""""', '"'],
    ['Password= "spaced" ', 'spaced'],
    ['Password=a=b', 'a=b'],
  ])('reads the quoted or tricky value %s', (pair, password) => {
    const config = parseMssql(`Server=h;Database=d;User Id=u;${pair};Encrypt=False`);
    expect(config.password).toBe(password);
    expect(config.encrypt).toBe(false);
  });

  it('reads a quoted value as the last pair', () => {
    expect(parseMssql('Server=h;Database=d;User Id=u;Password="x;y"').password).toBe('x;y');
  });

  it.each([
    ['Mandatory', true],
    ['Strict', true],
    ['Optional', false],
    ['True', true],
    ['False', false],
    ['yes', true],
    ['no', false],
  ])('maps Encrypt=%s', (value, expected) => {
    expect(parseMssql(`Server=h;Database=d;User Id=u;Password=p;Encrypt=${value}`).encrypt).toBe(expected);
  });

  it('does not accept Mandatory/Optional for TrustServerCertificate', () => {
    expect(
      parseError('Server=h;Database=d;User Id=u;Password=p;TrustServerCertificate=Mandatory').message,
    ).toMatch(/TrustServerCertificate must be true or false/);
  });

  it('converts Connect Timeout and Command Timeout from seconds to milliseconds', () => {
    const config = parseMssql(
      'Server=h;Database=d;User Id=u;Password=p;Connect Timeout=5;Command Timeout=60',
    );
    expect(config.connectTimeoutMs).toBe(5000);
    expect(config.requestTimeoutMs).toBe(60_000);
    expect(parseMssql('Server=h;Database=d;User Id=u;Password=p;Connection Timeout=7').connectTimeoutMs).toBe(
      7000,
    );
    expect(parseMssql('Server=h;Database=d;User Id=u;Password=p;Timeout=9').connectTimeoutMs).toBe(9000);
  });

  it('reads Max Pool Size', () => {
    expect(parseMssql('Server=h;Database=d;User Id=u;Password=p;Max Pool Size=25').poolMax).toBe(25);
  });

  it('applies defaults when no options are given', () => {
    expect(parseMssql('Server=h;Database=d;User Id=u;Password=p')).toMatchObject({
      port: undefined,
      instanceName: undefined,
      encrypt: true,
      trustServerCertificate: false,
      ...MSSQL_DEFAULT_TIMEOUTS,
    });
  });

  it('accepts and ignores keys that do not change how we connect', () => {
    const base = parseMssql('Server=h;Database=d;User Id=u;Password=p');
    expect(
      parseMssql(
        'Server=h;Database=d;User Id=u;Password=p;Application Name=x;MultipleActiveResultSets=True;' +
          'Persist Security Info=False;Pooling=true;Min Pool Size=1;MultiSubnetFailover=True;' +
          'ApplicationIntent=ReadOnly;Packet Size=4096;Workstation Id=ws;Current Language=english;' +
          'ConnectRetryCount=3;ConnectRetryInterval=10;HostNameInCertificate=h.example.com',
      ),
    ).toEqual(base);
  });

  it('accepts Integrated Security=false alongside a SQL login', () => {
    expect(parseMssql('Server=h;Database=d;User Id=u;Password=p;Integrated Security=false').user).toBe('u');
  });

  it('rejects an unknown keyword, naming it', () => {
    const error = parseError('Server=h;Database=d;User Id=u;Password=p;Frobnicate=1');
    expect(error.message).toContain("unknown keyword 'Frobnicate'");
  });

  it.each(['Integrated Security=true', 'Integrated Security=SSPI', 'Trusted_Connection=yes'])(
    'rejects %s',
    (pair) => {
      parseError(`Server=h;Database=d;${pair}`);
      parseError(`Server=h;Database=d;User Id=u;Password=p;${pair}`);
    },
  );

  it('explains that Integrated Security is not supported', () => {
    expect(parseError('Server=h;Database=d;User Id=u;Password=p;Integrated Security=true').message).toMatch(
      /Integrated Security, which is not supported/,
    );
  });

  it('rejects Authentication=…', () => {
    expect(
      parseError('Server=h;Database=d;User Id=u;Password=p;Authentication=ActiveDirectoryPassword').message,
    ).toMatch(/Authentication=…, which is not supported/);
  });

  it.each([
    'Server=h;Database=d;User Id=u;Password="abc',
    "Server=h;Database=d;User Id=u;Password='abc",
    'Server=h;Database=d;User Id=u;Password="abc""',
  ])('rejects the unterminated quote in %s', (raw) => {
    expect(parseError(raw).message).toContain("unterminated quote in 'Password'");
  });

  it('rejects text after a quoted value', () => {
    expect(parseError('Server=h;Database=d;User Id=u;Password="abc"def').message).toContain(
      "text after the quoted value of 'Password'",
    );
  });

  it.each(['0', '65536', '70000', '-1', 'abc', '14.33', ''])('rejects the port %j', (port) => {
    expect(parseError(`Server=h,${port};Database=d;User Id=u;Password=p`).message).toContain(
      'port outside 1-65535',
    );
  });

  it.each(['1', '65535'])('accepts the boundary port %s', (port) => {
    expect(parseMssql(`Server=h,${port};Database=d;User Id=u;Password=p`).port).toBe(Number(port));
  });

  it.each([
    ['server', 'Database=d;User Id=u;Password=p'],
    ['database', 'Server=h;User Id=u;Password=p'],
    ['user', 'Server=h;Database=d;Password=p'],
    ['password', 'Server=h;Database=d;User Id=u'],
    ['password', 'Server=h;Database=d;User Id=u;Password='],
    ['server, database, user, password', 'Application Name=x'],
  ])('rejects a missing %s', (missing, raw) => {
    expect(parseError(raw).message).toContain(`missing: ${missing}.`);
  });

  it('rejects a keyword without a value and an empty keyword', () => {
    expect(parseError('Server=h;Database=d;User Id=u;Password=p;Dangling').message).toMatch(
      /keyword without a value/,
    );
    expect(parseError('Server=h;Database=d;User Id=u;Password=p;=x').message).toMatch(/empty keyword/);
  });

  it('rejects bad timeouts and pool sizes', () => {
    parseError('Server=h;Database=d;User Id=u;Password=p;Connect Timeout=0');
    parseError('Server=h;Database=d;User Id=u;Password=p;Command Timeout=soon');
    parseError('Server=h;Database=d;User Id=u;Password=p;Max Pool Size=0');
  });
});

describe('parseDatabaseUrl: other inputs', () => {
  it.each([
    'postgres://u:secret@h/db',
    'postgresql://u:secret@h/db',
    'mysql://u:secret@h:3306/db',
    'file:///tmp/x.sqlite',
    'http://h/db',
  ])('rejects the unsupported scheme of %s', (raw) => {
    const error = parseError(raw);
    expect(error.message).toContain(`unsupported scheme '${raw.slice(0, raw.indexOf(':'))}'`);
    expectNoSecret(error.message, 'secret');
  });

  it.each(['just-some-text', 'localhost', '12345'])('rejects the unrecognised string %j', (raw) => {
    expect(parseError(raw).message).toMatch(/not a recognised connection string/);
  });
});

describe('secret safety', () => {
  const enc = encodeURIComponent(SECRET);

  const malformed: Array<[string, string]> = [
    // URL form
    ['invalid poolMax', `mssql://u:${enc}@h:1433/db?poolMax=0`],
    ['unknown option', `mssql://u:${enc}@h/db?bogus=1`],
    ['bad boolean', `mssql://u:${enc}@h/db?encrypt=maybe`],
    ['bad timeout', `mssql://u:${enc}@h/db?connectTimeout=soon`],
    ['port 0', `mssql://u:${enc}@h:0/db`],
    ['port above 65535', `mssql://u:${enc}@h:99999/db`],
    ['unparseable URL', `mssql://u:${enc}@[::1/db`],
    ['missing database', `mssql://u:${enc}@h/`],
    ['missing user', `mssql://:${enc}@h/db`],
    ['badly percent-encoded password', `mssql://u:${enc}%ZZ@h/db`],
    ['badly percent-encoded database', `mssql://u:${enc}@h/db%ZZ`],
    ['sqlserver alias with unknown option', `sqlserver://u:${enc}@h/db?password=${enc}`],
    ['unsupported scheme', `postgres://u:${SECRET}@h/db`],
    ['unsupported scheme with query', `mysql://u:${SECRET}@h/db?ssl=true`],
    // ADO.NET form
    ['ADO port out of range', `Server=h,70000;Database=d;User Id=u;Password=${SECRET}`],
    ['ADO non-numeric port', `Server=h,abc;Database=d;User Id=u;Password=${SECRET}`],
    ['ADO unknown keyword', `Server=h;Database=d;User Id=u;Password=${SECRET};Bogus=1`],
    ['ADO unterminated double quote', `Server=h;Database=d;User Id=u;Password="${SECRET}`],
    ['ADO unterminated single quote', `Server=h;Database=d;User Id=u;Password='${SECRET};Encrypt=True`],
    ['ADO text after quote', `Server=h;Database=d;User Id=u;Password="${SECRET}"x;Encrypt=True`],
    ['ADO integrated security', `Server=h;Database=d;User Id=u;Password=${SECRET};Integrated Security=true`],
    ['ADO authentication', `Server=h;Database=d;User Id=u;Password=${SECRET};Authentication=AD`],
    ['ADO bad Encrypt', `Server=h;Database=d;User Id=u;Password=${SECRET};Encrypt=perhaps`],
    ['ADO bad timeout', `Server=h;Database=d;User Id=u;Password=${SECRET};Connect Timeout=0`],
    ['ADO bad pool size', `Server=h;Database=d;User Id=u;Password=${SECRET};Max Pool Size=-1`],
    ['ADO missing database', `Server=h;User Id=u;Password=${SECRET}`],
    ['ADO missing server', `Database=d;User Id=u;PWD=${SECRET}`],
    ['ADO empty keyword', `Server=h;Database=d;User Id=u;Password=${SECRET};=x`],
    ['ADO keyword without value', `Server=h;Database=d;User Id=u;Password=${SECRET};Dangling`],
    ['ADO quoted password, then bad port', `Server=h,0;Database=d;User Id=u;Password="${SECRET};x"`],
  ];

  it.each(malformed)('does not leak the password: %s', (_label, raw) => {
    expect(raw).toContain(SECRET.slice(0, 5));
    const error = parseError(raw);
    expectNoSecret(error.message, SECRET);
    expectNoSecret(String(error), SECRET);
    expectNoSecret(error.stack ?? '', SECRET);
  });

  // Regression: a mistyped scheme (`mssql:/`) fell through to the ADO.NET parser, which quoted
  // everything before the first '=' as an unknown keyword, password included.
  it.each([
    `mssql:/u:${SECRET}@h/db?encrypt=true`,
    `mssql//u:${SECRET}@h/db?encrypt=true`,
    `mssql:u:${SECRET}@h/db?encrypt=true`,
    `sqlserver:/u:${SECRET}@h:1433/db?trustServerCertificate=false`,
  ])('does not leak the password of the mistyped URL %s', (raw) => {
    expectNoSecret(parseError(raw).message, SECRET);
  });

  // Regression: an unquoted segment without '=' (a password with ';') was echoed as part of an
  // unknown keyword.
  it.each([
    `Server=h;Database=d;User Id=u;Password=x;${SECRET};Encrypt=true`,
    `Server=h;Database=d;User Id=u;${SECRET};Encrypt=true`,
  ])('does not leak a stray password segment of the ADO.NET string %s', (raw) => {
    expectNoSecret(parseError(raw).message, SECRET);
  });

  // Regression: an unencoded '?' after digits made the password's tail an echoed unknown option.
  it('does not leak the tail of an unencoded password containing "?"', () => {
    expectNoSecret(parseError(`mssql://u:1234?${SECRET}@h/db`).message, SECRET);
  });

  it('describeDatabase never shows the password of a URL config', () => {
    const config = parseDatabaseUrl(`mssql://app:${enc}@db.example.com:1433/invoices?encrypt=true`);
    const text = describeDatabase(config);
    expect(text).toBe('mssql://app:***@db.example.com:1433/invoices');
    expectNoSecret(text, SECRET);
    expect(text).toContain('***');
  });

  it('describeDatabase never shows the password of an ADO.NET config, with an instance', () => {
    const config = parseDatabaseUrl(`Server=host\\SQLEXPRESS;Database=d;User Id=u;Password="${SECRET}"`);
    const text = describeDatabase(config);
    expect(text).toBe('mssql://u:***@host\\SQLEXPRESS/d');
    expectNoSecret(text, SECRET);
  });

  it('describeDatabase hides passwords that look like the rest of the output', () => {
    for (const password of ['u', 'h', 'db', '1433', 'mssql', '***', '@h']) {
      const config = parseMssql(`mssql://u:${encodeURIComponent(password)}@h:1433/db`);
      expect(config.password).toBe(password);
      expect(describeDatabase(config)).toBe('mssql://u:***@h:1433/db');
    }
  });
});

describe('secret safety (property-based)', () => {
  const baselineMessage = parseError('mssql://u:x@h:1433/db?poolMax=0').message;

  const passwords = [
    ['printable ASCII', fc.string({ minLength: 1 })],
    ['any grapheme', fc.string({ minLength: 1, unit: 'grapheme' })],
  ] as const;

  for (const [label, arbitrary] of passwords) {
    it(`never puts a ${label} password into the error message`, () => {
      fc.assert(
        fc.property(arbitrary, (pw) => {
          const error = parseError(`mssql://u:${encodeURIComponent(pw)}@h:1433/db?poolMax=0`);
          // Short passwords, or ones that happen to be words of the fixed message, would match by accident.
          if (pw.length < 4 || baselineMessage.includes(pw)) return;
          expect(error.message).not.toContain(pw);
          expect(error.message).toBe(baselineMessage);
        }),
        { numRuns: 500 },
      );
    });

    it(`round-trips a ${label} password through a valid URL`, () => {
      fc.assert(
        fc.property(arbitrary, (pw) => {
          const config = parseMssql(`mssql://u:${encodeURIComponent(pw)}@h/db`);
          expect(config.password).toBe(pw);
          expect(config.user).toBe('u');
          expect(config.server).toBe('h');
          expect(config.database).toBe('db');
          expect(describeDatabase(config)).toBe('mssql://u:***@h/db');
        }),
        { numRuns: 500 },
      );
    });
  }
});
