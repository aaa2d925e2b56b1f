import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countOpenReservations, findLedgerViolations, type OpenDatabase, openDatabase } from '@invoicegw/db';
import {
  DEMO_INVOICE,
  type Emulator,
  renderInvoicePdf,
  seededRandom,
  startEmulator,
} from '@invoicegw/gemini-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replicaEnv, startServerProcess } from './server-instance.ts';

// Four server processes on one database, 400 concurrent extractions under random upstream
// faults, one process killed with SIGKILL mid-run and restarted. RELIABILITY_SCALE multiplies.
const SCALE = Number(process.env.RELIABILITY_SCALE ?? 1);
const TOTAL = 400 * SCALE;
const ADMIN = 'multi-instance-admin-key';
// The one key of a company only the kill uses: a call on it is certainly in flight when its process dies.
const DOOMED_KEY = 'AIzaFAKE-multi-DOOMED-1-xxxxxxxx';
const DOOMED_HASH = createHash('sha256').update(DOOMED_KEY, 'utf8').digest('hex');

let emulator: Emulator;
let dir: string;
let env: Record<string, string>;
const children: ChildProcess[] = [];

const startInstance = () => startServerProcess(env, children);

beforeAll(async () => {
  emulator = await startEmulator({ latencyMs: 15 });
  dir = mkdtempSync(join(tmpdir(), 'igw-multi-'));
  env = replicaEnv(dir, emulator.url, ADMIN, {
    GEMINI_INITIAL_DELAY_MS: '10',
    GEMINI_MAX_DELAY_MS: '100',
    GEMINI_ATTEMPT_TIMEOUT_MS: '1500',
    RESERVATION_TTL_SECONDS: '5',
    REQUEST_DEADLINE_MS: '3500',
    SWEEP_INTERVAL_SECONDS: '1',
    CACHE_MAX_ENTRIES: '0',
    COMPANY_CONCURRENCY: '1000',
  });
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('four instances, one database, a crash in the middle', () => {
  it('every request gets a definite answer; after the sweep every invariant holds, no request is charged less than the provider billed, and the calls the killed process never settled are presumed charges', async () => {
    const instances = await Promise.all([0, 1, 2, 3].map(() => startInstance()));
    const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    for (const company of ['NT047', 'AB001', 'ZX900']) {
      for (const n of [1, 2, 3]) {
        const res = await fetch(`${instances[n % 4]!.url}/v1/tokens`, {
          method: 'POST',
          headers: admin,
          body: JSON.stringify({ companyId: company, apiKey: `AIzaFAKE-multi-${company}-${n}-xxxxxxxx` }),
        });
        expect(res.status).toBe(200);
      }
    }
    const doomed = await fetch(`${instances[1]!.url}/v1/tokens`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ companyId: 'DOOMED', apiKey: DOOMED_KEY }),
    });
    expect(doomed.status).toBe(200);
    emulator.setRandomFaults({
      rate: 0.15,
      seed: 424242,
      types: [
        'rate_limit',
        'retry_after',
        'overloaded',
        'internal',
        'bad_gateway',
        'deadline',
        'reset',
        'slow',
        'malformed_json',
        'blocked',
        'bad_request',
      ],
    });

    const random = seededRandom(7);
    const urls = instances.map((i) => i.url);
    const outcomes: Array<{
      /** The server's request id (from the answer); the client's own when there was no answer. */
      id: string;
      /** The X-Request-Id the client sent, and what the server echoed as X-Client-Request-Id. */
      clientId: string;
      echoed?: string | null;
      instance: number;
      result: number | 'connection-error';
      killedTarget: boolean;
    }> = [];
    let next = 0;
    let killedAt = -1;
    let restartedAt = -1;
    let deadUrl = '';
    const worker = async () => {
      while (next < TOTAL) {
        const i = next++;
        if (i === Math.floor(TOTAL * 0.3) && killedAt < 0) {
          killedAt = i;
          deadUrl = urls[1]!;
          // One call certainly dispatched and unanswered when the process dies: its answer (and
          // the provider's bill) comes a second later, to nobody.
          emulator.queueFaults([{ type: 'slow', delayMs: 1000 }], DOOMED_KEY);
          const form = new FormData();
          form.set(
            'file',
            new Blob([new Uint8Array(renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: 'MI-DOOMED' }))], {
              type: 'application/pdf',
            }),
            'mi-doomed.pdf',
          );
          form.set('companyID', 'DOOMED');
          form.set('username', 'doomed');
          const inFlight = fetch(`${deadUrl}/extract`, { method: 'POST', body: form }).then(
            (r) => r.status,
            () => 'connection-error',
          );
          const sent = Date.now() + 10_000;
          while (!emulator.requests().some((r) => r.keyHash === DOOMED_HASH) && Date.now() < sent)
            await new Promise((r) => setTimeout(r, 5));
          instances[1]!.child.kill('SIGKILL');
          expect(await inFlight).toBe('connection-error');
        }
        if (i === Math.floor(TOTAL * 0.5) && restartedAt < 0) {
          restartedAt = i;
          const again = await startInstance();
          instances[1] = again;
          urls[1] = again.url;
        }
        const instance = i % 4;
        const url = urls[instance]!;
        // Sent to the killed process's address (in flight when it died, or before the restart).
        const killedTarget = url === deadUrl;
        const form = new FormData();
        form.set(
          'file',
          new Blob([new Uint8Array(renderInvoicePdf({ ...DEMO_INVOICE, invoice_no: `MI-${i}` }))], {
            type: 'application/pdf',
          }),
          `mi-${i}.pdf`,
        );
        form.set('companyID', ['NT047', 'AB001', 'ZX900'][Math.floor(random() * 3)]!);
        form.set('username', `user-${i % 7}`);
        const id = `mi-${i}`;
        try {
          const res = await fetch(`${url}/extract`, {
            method: 'POST',
            headers: { 'x-request-id': id },
            body: form,
          });
          await res.arrayBuffer();
          outcomes.push({
            id: res.headers.get('x-request-id') ?? id,
            clientId: id,
            echoed: res.headers.get('x-client-request-id'),
            instance,
            result: res.status,
            killedTarget,
          });
        } catch {
          outcomes.push({
            id,
            clientId: id,
            instance,
            result: 'connection-error',
            killedTarget:
              killedTarget ||
              (instance === 1 && i < (restartedAt < 0 ? Number.POSITIVE_INFINITY : restartedAt)),
          });
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    emulator.setRandomFaults(null);

    expect(outcomes).toHaveLength(TOTAL);
    const statuses: Record<string, number> = {};
    for (const o of outcomes) statuses[String(o.result)] = (statuses[String(o.result)] ?? 0) + 1;
    console.info(
      `multi-instance outcomes: ${JSON.stringify(statuses)} (killed at request ${killedAt}, restarted at ${restartedAt})`,
    );
    expect(outcomes.filter((o) => o.result === 500)).toEqual([]);
    // The only requests without an HTTP answer are the ones the killed process was holding.
    for (const o of outcomes.filter((x) => x.result === 'connection-error'))
      expect(o.killedTarget, o.id).toBe(true);
    expect(statuses['200'] ?? 0).toBeGreaterThan(TOTAL * 0.6);
    // The server's own request ids, one per request; the client's id comes back as correlation.
    const answered = outcomes.filter((o) => o.result !== 'connection-error');
    expect(new Set(answered.map((o) => o.id)).size).toBe(answered.length);
    expect(answered.filter((o) => o.id === o.clientId || o.echoed !== o.clientId)).toEqual([]);

    const db: OpenDatabase = await openDatabase({ kind: 'sqlite', filename: join(dir, 'shared.sqlite') });
    try {
      // The surviving instances' sweepers release what the dead one held once its holds expire.
      const deadline = Date.now() + 30_000;
      while ((await countOpenReservations(db)) > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 250));
      expect(await countOpenReservations(db)).toBe(0);
      expect(await findLedgerViolations(db)).toEqual([]);

      const charged = new Map<string, number>();
      for (const r of emulator.requests())
        if (r.requestId) charged.set(r.requestId, (charged.get(r.requestId) ?? 0) + r.chargedTokens);
      const rows = await db.db
        .selectFrom('TokenUsageLogs')
        .select(['RequestID', 'TotalTokensUsed', 'PresumedTokens', 'Outcome'])
        .execute();
      const recorded = new Map<string, number>();
      const presumed = new Map<string, number>();
      for (const r of rows) {
        recorded.set(r.RequestID!, (recorded.get(r.RequestID!) ?? 0) + r.TotalTokensUsed);
        if (r.Outcome === 'presumed') {
          expect(r.PresumedTokens, r.RequestID!).toBe(r.TotalTokensUsed);
          presumed.set(r.RequestID!, (presumed.get(r.RequestID!) ?? 0) + r.PresumedTokens);
        } else expect(r.PresumedTokens, r.RequestID!).toBe(0);
      }
      // Every request, answered or not: charged at least what the provider billed. Where nothing
      // was presumed the gateway saw every answer, and charged exactly what it billed.
      for (const id of new Set([...charged.keys(), ...recorded.keys()])) {
        const billed = charged.get(id) ?? 0;
        const ours = recorded.get(id) ?? 0;
        expect(ours, id).toBeGreaterThanOrEqual(billed);
        if (!presumed.has(id)) expect(ours, id).toBe(billed);
      }
      for (const o of answered)
        if (o.result === 200) expect(recorded.get(o.id) ?? 0, o.id).toBeGreaterThan(0);
      // The call the killed process had dispatched: billed by the provider after it died, and
      // charged by a surviving instance's sweeper at its hold, as presumed usage.
      const doomedCalls = emulator.requests().filter((r) => r.keyHash === DOOMED_HASH);
      expect(doomedCalls).toHaveLength(1);
      const doomedId = doomedCalls[0]!.requestId!;
      expect(doomedCalls[0]!.chargedTokens).toBeGreaterThan(0);
      expect(rows.filter((r) => r.RequestID === doomedId).map((r) => r.Outcome)).toEqual(['presumed']);
      expect(presumed.get(doomedId)).toBeGreaterThanOrEqual(doomedCalls[0]!.chargedTokens);
      // Requests without an answer are known only by the server's id, which their client never saw.
      const answeredIds = new Set(answered.map((o) => o.id));
      const unanswered = [...charged.keys()].filter((id) => !answeredIds.has(id));
      const totalRecorded = [...recorded.values()].reduce((a, b) => a + b, 0);
      const totalPresumed = [...presumed.values()].reduce((a, b) => a + b, 0);
      const billedPresumed = [...presumed.keys()].reduce((s, id) => s + (charged.get(id) ?? 0), 0);
      expect(totalRecorded).toBeGreaterThanOrEqual(emulator.stats().totalChargedTokens);
      console.info(
        `charged ${totalRecorded} tokens for ${emulator.stats().totalChargedTokens} billed; ${totalPresumed} presumed on ${presumed.size} request(s) (${unanswered.filter((id) => presumed.has(id)).length} of them never answered), where the provider billed ${billedPresumed}`,
      );
    } finally {
      await db.close();
    }
    for (const i of instances) {
      expect((await fetch(`${i.url}/`)).status).toBe(200);
      i.child.kill('SIGTERM');
      expect(await i.exited).toBe(0);
    }
  }, 240_000);
});
