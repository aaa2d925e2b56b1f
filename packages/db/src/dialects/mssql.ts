import { MssqlDialect } from 'kysely';
import type { MssqlConfig } from '../config/database-config.ts';

/**
 * SQL Server through tedious with a tarn pool. Loaded lazily so the embedded default never
 * loads the driver.
 */
export async function createMssqlDialect(config: MssqlConfig): Promise<MssqlDialect> {
  const [tedious, tarn] = await Promise.all([import('tedious'), import('tarn')]);
  return new MssqlDialect({
    tarn: { ...tarn, options: { min: 0, max: config.poolMax, propagateCreateError: true } },
    tedious: {
      ...tedious,
      // Kysely binds Date as DATETIME (3.33 ms steps); the schema uses DATETIME2(3).
      TYPES: { ...tedious.TYPES, DateTime: tedious.TYPES.DateTime2 },
      connectionFactory: () =>
        new tedious.Connection({
          server: config.server,
          authentication: { type: 'default', options: { userName: config.user, password: config.password } },
          options: {
            database: config.database,
            // tedious refuses a port together with an instance name (the browser service finds it).
            ...(config.instanceName ? { instanceName: config.instanceName } : { port: config.port ?? 1433 }),
            encrypt: config.encrypt,
            trustServerCertificate: config.trustServerCertificate,
            connectTimeout: config.connectTimeoutMs,
            requestTimeout: config.requestTimeoutMs,
            useUTC: true,
            appName: 'invoice-gateway',
          },
        }),
    },
  });
}
