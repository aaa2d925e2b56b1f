import {
  type DatabaseConfig,
  DatabaseConfigError,
  parseDatabaseUrl,
  parseSchemaOptions,
  type SchemaOptions,
} from '@invoicegw/db';
import { z } from 'zod';

/** Everything the server reads from the environment, parsed once at startup and passed down. */
export interface ServerConfig {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  database: DatabaseConfig;
  schemas: SchemaOptions;
  /** Where development files live (the generated master key). */
  dataDir: string;
  /** Secrets: never log this object. */
  encryption: { key: string | undefined; previous: string | undefined };
  ledger: { reservationTtlMs: number; sweepIntervalMs: number; maxOutputTokens: number };
}

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  DATABASE_URL: z.string().optional(),
  DB_SCHEMA: z.string().optional(),
  DB_TOKEN_SCHEMA: z.string().optional(),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  TOKEN_ENCRYPTION_KEY: z.string().optional(),
  TOKEN_ENCRYPTION_KEY_PREVIOUS: z.string().optional(),
  RESERVATION_TTL_SECONDS: z.coerce.number().int().min(5).max(86_400).default(300),
  SWEEP_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  MAX_OUTPUT_TOKENS: z.coerce.number().int().min(1).max(1_000_000).default(8192),
});

/** A configuration problem; the message names the variable, never a secret's value. */
export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv): ServerConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid environment: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  try {
    return {
      nodeEnv: e.NODE_ENV,
      host: e.HOST,
      port: e.PORT,
      database: parseDatabaseUrl(e.DATABASE_URL),
      schemas: parseSchemaOptions({ schema: e.DB_SCHEMA, tokenSchema: e.DB_TOKEN_SCHEMA }),
      dataDir: e.DATA_DIR,
      encryption: { key: e.TOKEN_ENCRYPTION_KEY, previous: e.TOKEN_ENCRYPTION_KEY_PREVIOUS },
      ledger: {
        reservationTtlMs: e.RESERVATION_TTL_SECONDS * 1000,
        sweepIntervalMs: e.SWEEP_INTERVAL_SECONDS * 1000,
        maxOutputTokens: e.MAX_OUTPUT_TOKENS,
      },
    };
  } catch (error) {
    if (error instanceof DatabaseConfigError) throw new ConfigError(error.message);
    throw error;
  }
}
