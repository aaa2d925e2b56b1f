import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKey, startTestServer, type TestServer, uploadForm } from '../helpers.ts';

let s: TestServer;
let consoleLines: () => string;
beforeAll(async () => {
  const lines: string[] = [];
  s = await startTestServer(
    { CACHE_MAX_ENTRIES: '0' },
    {
      console: {
        log: (level, logger, message) => {
          lines.push(`${level} ${logger}: ${message}`);
        },
      },
    },
  );
  consoleLines = () => lines.join('\n');
});
afterAll(async () => {
  await s.stop();
});

const extract = () =>
  fetch(`${s.url}/extract`, {
    method: 'POST',
    body: uploadForm({ companyID: 'NT047', username: 'u' }, { bytes: renderInvoicePdf(DEMO_INVOICE) }),
  });

async function health() {
  return (await (await fetch(`${s.url}/`)).json()) as { status: string; database: { reachable: boolean } };
}

describe('the SQLite file deleted under a running service', () => {
  it('health says unreachable, extraction answers 503 naming the cause, and the log says what happened', async () => {
    const added = await fetch(`${s.url}/v1/tokens`, {
      method: 'POST',
      headers: s.admin,
      body: JSON.stringify({ companyId: 'NT047', apiKey: fakeKey('lost') }),
    });
    expect(added.status).toBe(200);
    expect((await extract()).status).toBe(200);
    expect((await health()).database.reachable).toBe(true);

    // Removing the file leaves the open handle working on an unlinked inode: writes would "succeed".
    rmSync(join(s.dir, 'ocr.sqlite'));
    const deadline = Date.now() + 10_000;
    let seen = await health();
    while (seen.database.reachable && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await health();
    }
    expect(seen).toMatchObject({ status: 'degraded', database: { reachable: false } });

    const refused = await extract();
    expect(refused.status).toBe(503);
    const body = (await refused.json()) as { code: string; message: string; data?: { cause?: string } };
    expect(body.code).toBe('DATABASE_UNAVAILABLE');
    expect(body.data?.cause).toBe('SQLITE_FILE_LOST');
    expect(body.message).toContain('SQLITE_FILE_LOST');
    expect(consoleLines()).toMatch(/ocr\.sqlite was deleted while open/);
    // The emulator was not called for the refused request.
    expect(s.emulator.requests()).toHaveLength(1);
  }, 60_000);
});
