import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, type TestServer } from './helpers.ts';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./python/checklist_over_rest.py', import.meta.url));
const hasPython = spawnSync('python3', ['--version']).status === 0;

// A caller that is not TypeScript and knows only /openapi.json: Python's standard library.
describe.skipIf(!hasPython)(
  'a Python caller runs the checklist over REST from the OpenAPI document alone',
  () => {
    let s: TestServer;
    beforeAll(async () => {
      s = await startTestServer();
    });
    afterAll(async () => {
      await s.stop();
    });

    it('adds a key, extracts a PDF (multipart), reads token status and usage; every answer fits the document', async () => {
      const pdf = join(s.dir, 'invoice.pdf');
      writeFileSync(pdf, renderInvoicePdf(DEMO_INVOICE));
      const { stdout } = await run('python3', [SCRIPT, s.url, pdf, 'NT047'], {
        // The admin key in the environment, not on the command line (ps shows argv).
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', IGW_ADMIN_KEY: ADMIN },
        timeout: 60_000,
      }).catch((error: { stdout?: string; stderr?: string }) => {
        throw new Error(`python3 failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
      });
      const steps = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const byStep = Object.fromEntries(steps.filter((x) => x.step).map((x) => [x.step, x]));
      expect(steps.at(-1)).toEqual({ ok: true });
      expect(byStep.health).toMatchObject({ status: 200, health: 'active' });
      expect(byStep['add key']).toMatchObject({ status: 200, keyHint: 'AIza…xxx' });
      expect(byStep.extract).toMatchObject({
        status: 200,
        invoiceNo: DEMO_INVOICE.invoice_no,
        clientRequestId: 'python-extract',
      });
      const charged = (byStep.extract as { totalTokens: number }).totalTokens;
      expect(charged).toBeGreaterThan(0);
      expect(byStep['token status']).toMatchObject({ status: 200, used: charged, requests: 1, health: 'OK' });
      expect(byStep.usage).toMatchObject({ status: 200, requests: 1, totalTokens: charged });
      expect(byStep['missing key']).toMatchObject({ status: 404, code: 'TOKEN_NOT_FOUND' });
      expect(byStep['no admin key']).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
      // The key went in, and never came back out.
      expect(stdout).not.toContain('AIzaFAKE-python');
    });
  },
);
