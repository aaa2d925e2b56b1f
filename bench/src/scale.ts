import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createKeyVault } from '@invoicegw/core';
import { insertToken, migrate, openDatabase } from '@invoicegw/db';
import { sql } from 'kysely';
import { MASTER } from './gateway.ts';
import type { LoadResult } from './load.ts';

/** A SQLite file holding `keys` − 1 other companies' keys (the bench key is added on start). */
async function seed(file: string, keys: number): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  const db = await openDatabase({ kind: 'sqlite', filename: file });
  await migrate(db);
  const vault = createKeyVault({ current: Buffer.from(MASTER, 'hex'), previous: [] });
  await db.db.transaction().execute(async (trx) => {
    for (let i = 0; i < keys - 1; i++) {
      const k = `AIzaSCALE-${i}-xxxxxxxxxxxx`;
      await insertToken(
        { ...db, db: trx },
        {
          CompanyID: `C${i % 1000}`,
          ApiKey: vault.seal(k),
          KeyHint: vault.hint(k),
          KeyHash: vault.hash(k),
          TotalTokenLimit: 1_000_000,
        },
      );
    }
    await sql`INSERT INTO TokenUsageSummary (TokenID, TotalUsedTokens, TotalRemainingTokens, ReservedTokens, Threshold, RequestCount, LastUpdated)
      SELECT TokenID, 0, TotalTokenLimit, 0, 3000, 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM TokenMaster
      WHERE TokenID NOT IN (SELECT TokenID FROM TokenUsageSummary)`.execute(trx);
  });
  await db.close();
}

/** The gateway's overhead with 10, 1,000 and 10,000 keys in the database. */
export async function scaleRows(
  counts: number[],
  work: string,
  measure: (file: string) => Promise<{ gateway: LoadResult; direct: LoadResult }>,
): Promise<Array<{ keys: number; gateway: LoadResult; direct: LoadResult }>> {
  const rows = [];
  for (const keys of counts) {
    const file = join(work, `scale-${keys}`, 'ocr.sqlite');
    await seed(file, keys);
    rows.push({ keys, ...(await measure(file)) });
  }
  return rows;
}
