import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.stop());

const gauge = (text: string, name: string) => {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  if (!m) throw new Error(`${name} not in /metrics`);
  return Number(m[1]);
};
const scrape = async () => (await fetch(`${s.url}/metrics`, { headers: s.admin })).text();

describe('event-loop delay on /metrics', () => {
  it('reports the delay since the previous scrape, then starts over', async () => {
    // The first scrape starts the sampler: nothing measured yet.
    const first = await scrape();
    expect(gauge(first, 'igw_event_loop_delay_p99_seconds')).toBe(0);
    expect(gauge(first, 'igw_event_loop_delay_max_seconds')).toBe(0);

    // The server runs in this process, so blocking here blocks its loop.
    const until = performance.now() + 150;
    while (performance.now() < until) {
      // busy on purpose
    }
    const blocked = await scrape();
    const blockedMax = gauge(blocked, 'igw_event_loop_delay_max_seconds');
    expect(blockedMax).toBeGreaterThanOrEqual(0.1);
    expect(gauge(blocked, 'igw_event_loop_delay_p99_seconds')).toBeGreaterThanOrEqual(0.1);

    // Wait for the sampler to record a few calm turns, then the block is forgotten.
    let calm = await scrape();
    for (let i = 0; i < 50 && gauge(calm, 'igw_event_loop_delay_max_seconds') === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      calm = await scrape();
    }
    expect(gauge(calm, 'igw_event_loop_delay_max_seconds')).toBeGreaterThan(0);
    expect(gauge(calm, 'igw_event_loop_delay_max_seconds')).toBeLessThan(blockedMax);
  });
});
