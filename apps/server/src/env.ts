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
}

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  DATABASE_URL: z.string().optional(),
  DB_SCHEMA: z.string().optional(),
  DB_TOKEN_SCHEMA: z.string().optional(),
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
    };
  } catch (error) {
    if (error instanceof DatabaseConfigError) throw new ConfigError(error.message);
    throw error;
  }
}
