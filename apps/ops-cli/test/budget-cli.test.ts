import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from './gateway.ts';

// `ocr-ops tokens budget` and the budget columns of list/show, as a real child process.
const ADMIN = 'cli-budget-admin-key';
const KEY = 'AIzaFAKE-cli-budget-key-xxxxxxxx';
let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway(ADMIN);
});
afterAll(async () => {
  await gateway.close();
  const all = gateway.outputs.join('\n');
  for (const secret of [KEY, ADMIN]) expect(all).not.toContain(secret);
});

describe('ocr-ops tokens budget', () => {
  it('adds a key with a monthly budget, changes it, shows the window, and refuses a bad zone', async () => {
    const added = await gateway.cli(
      [
        'tokens',
        'add',
        '--company',
        'BUD01',
        '--limit',
        '90000',
        '--period',
        'monthly',
        '--tz',
        'Europe/Berlin',
      ],
      { stdin: KEY },
    );
    expect(added.code, added.err).toBe(0);
    expect(added.out).toMatch(/monthly Europe\/Berlin, resets \d{4}-\d\d-\d\dT2[23]:00:00\.000Z/);
    const weekly = await gateway.cli(['tokens', 'budget', '1', '--period', 'weekly', '--json']);
    expect(JSON.parse(weekly.out)).toMatchObject({ budgetPeriod: 'weekly', budgetTimeZone: 'Europe/Berlin' });
    const show = await gateway.cli(['tokens', 'show', '1']);
    expect(show.out).toMatch(/Budget: weekly in Europe\/Berlin; this window .* to .*, 0 of 90000 used/);
    const bad = await gateway.cli(['tokens', 'budget', '1', '--period', 'daily', '--tz', 'Mars/Olympus']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('Unknown time zone "Mars/Olympus"');
    const usage = await gateway.cli(['tokens', 'budget', '1', '--period', 'hourly']);
    expect(usage.code).toBe(2);
    const none = await gateway.cli(['tokens', 'budget', '1', '--period', 'none', '--json']);
    expect(JSON.parse(none.out)).toMatchObject({ budgetPeriod: 'none', window: null });
  });
});
