import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readTokenStatus } from '@invoicegw/db';
import { startEmulator } from '@invoicegw/gemini-emulator';
// By package name, not ../src: `pnpm demo` runs the built server (dist/), as `pnpm start` does.
import { loadConfig, startServer } from '@invoicegw/server';

// `pnpm demo`: the emulator, the server on the embedded database, a demo company and key, one
// extraction of the bundled sample invoice, and what it cost. Offline, on a fresh clone.
const SAMPLE = fileURLToPath(new URL('../../../samples/sample-invoice.pdf', import.meta.url));
const DATA = './data/demo';

rmSync(DATA, { recursive: true, force: true });
const emulator = await startEmulator();
const server = await startServer(
  loadConfig({
    ...process.env,
    PORT: '0',
    DATABASE_URL: `sqlite:${DATA}/ocr.sqlite`,
    DATA_DIR: DATA,
    ADMIN_API_KEY: 'demo-admin-key',
    GEMINI_BASE_URL: emulator.url,
  }),
);
const admin = { authorization: 'Bearer demo-admin-key', 'content-type': 'application/json' };
try {
  const added = await fetch(`${server.url}/v1/tokens`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({
      companyId: 'NT047',
      companyName: 'RUBI TRADERS Pvt ltd',
      apiKey: 'AIzaDEMO-not-a-real-key-000',
      totalTokenLimit: 100_000,
      reason: 'demo',
    }),
  });
  console.log('\n== Registered a demo key (shown masked) ==');
  console.log(JSON.stringify(await added.json(), null, 2));

  const form = new FormData();
  form.set('file', new Blob([readFileSync(SAMPLE)], { type: 'application/pdf' }), 'sample-invoice.pdf');
  form.set('companyID', 'NT047');
  form.set('username', 'demo');
  form.set('branch', 'HQ');
  const res = await fetch(`${server.url}/extract`, { method: 'POST', body: form });
  console.log(`\n== POST /extract → HTTP ${res.status} ==`);
  console.log(JSON.stringify(await res.json(), null, 2));

  const usage = await server.deps.core.db.db.selectFrom('TokenUsageLogs').selectAll().execute();
  console.log('\n== TokenUsageLogs ==');
  console.table(
    usage.map((u) => ({
      TokenID: u.TokenID,
      CompanyID: u.CompanyID,
      Branch: u.Branch,
      RequestedBy: u.RequestedBy,
      InputTokens: u.InputTokens,
      OutputTokens: u.OutputTokens,
      DocumentPromptTokens: u.DocumentPromptTokens,
      TotalTokensUsed: u.TotalTokensUsed,
      Outcome: u.Outcome,
    })),
  );
  console.log('\n== vw_TokenStatus ==');
  console.table(
    (await readTokenStatus(server.deps.core.db)).map((t) => ({
      TokenID: t.tokenId,
      KeyHint: t.keyHint,
      Limit: t.totalTokenLimit,
      Used: t.totalUsedTokens,
      Remaining: t.totalRemainingTokens,
      Health: t.health,
    })),
  );
} finally {
  await server.close();
  await emulator.close();
}
// Printed after both have stopped, so every line is still true when it is read.
console.log(
  `\nThe demo's server (${server.url}) and emulator have stopped; what they wrote stays in ${DATA}.`,
);
console.log(
  `To look at it in the dashboard: DATABASE_URL=sqlite:${DATA}/ocr.sqlite DATA_DIR=${DATA} ADMIN_API_KEY=demo-admin-key pnpm start, then open http://127.0.0.1:8000/ui (admin key "demo-admin-key").`,
);
