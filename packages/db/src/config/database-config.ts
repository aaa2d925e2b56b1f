/** Where the data lives. Parsed once from DATABASE_URL (see database-url.ts) and passed down. */
export type DatabaseConfig = SqliteConfig | MssqlConfig;

export interface SqliteConfig {
  kind: 'sqlite';
  /** A file path, or ':memory:'. */
  filename: string;
}

export interface MssqlConfig {
  kind: 'mssql';
  server: string;
  port: number | undefined;
  instanceName: string | undefined;
  database: string;
  user: string;
  password: string;
  encrypt: boolean;
  trustServerCertificate: boolean;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  poolMax: number;
}

/** SQL Server schemas; SQLite ignores them. */
export interface SchemaNames {
  /** Schema of every object but the token tables (default `dbo`). */
  schema: string;
  /** Schema of TokenMaster, TokenUsageSummary, TokenUsageLogs, TokenReservations. */
  tokenSchema: string;
}

export const DEFAULT_SQLITE_FILE = './data/ocr.sqlite';
export const DEFAULT_SCHEMAS: SchemaNames = { schema: 'dbo', tokenSchema: 'dbo' };

/** A malformed DATABASE_URL or schema name. The message never contains the password. */
export class DatabaseConfigError extends Error {
  readonly code = 'INVALID_DATABASE_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseConfigError';
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * What the operator configured. `tokenSchema` left out means: the main schema, unless the
 * database was made by the old Python service (its token tables in `[docUpload]`), which is
 * detected at startup.
 */
export interface SchemaOptions {
  schema: string;
  tokenSchema?: string | undefined;
}

/** Schema names go into DDL unparameterised, so only plain identifiers are allowed. */
export function parseSchemaOptions(input: {
  schema?: string | undefined;
  tokenSchema?: string | undefined;
}): SchemaOptions {
  const schema = input.schema?.trim() || DEFAULT_SCHEMAS.schema;
  const tokenSchema = input.tokenSchema?.trim() || undefined;
  for (const [name, value] of [
    ['DB_SCHEMA', schema],
    ['DB_TOKEN_SCHEMA', tokenSchema ?? schema],
  ] as const) {
    if (!IDENTIFIER.test(value)) {
      throw new DatabaseConfigError(
        `${name} must be a plain SQL identifier (letters, digits, underscore), got ${JSON.stringify(value)}`,
      );
    }
  }
  return { schema, tokenSchema };
}

/** The old Python service's schema for its token tables. */
export const LEGACY_TOKEN_SCHEMA = 'docUpload';
