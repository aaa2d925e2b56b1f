import { insertApplicationLogs, listStoredKeys } from '@invoicegw/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliOptions, type Gateway, startGateway } from './gateway.ts';

// `db prune` and `db rollback` through a real gateway, the CLI as a child process.

const ADMIN = 'db-maintenance-admin-key';
const KEY = 'AIzaFAKE-maintenance-key-xxxxxxxxx';
let gateway: Gateway;
const cli = (args: string[], options: CliOptions = {}) => gateway.cli(args, options);
const DAY = 86_400_000;

beforeAll(async () => {
  gateway = await startGateway(ADMIN);
  const added = await cli(['tokens', 'add', '--company', 'NT047', '--limit', '100000'], { stdin: KEY });
  expect(added.code, added.err).toBe(0);
});
afterAll(async () => {
  await gateway.close();
  const all = gateway.outputs.join('\n');
  for (const secret of [KEY, ADMIN]) expect(all).not.toContain(secret);
});

describe('ocr-ops db prune', () => {
  it('counts with --dry-run, then deletes only rows past their retention', async () => {
    const db = gateway.server.deps.core.db;
    const at = (days: number) => new Date(Date.now() - days * DAY);
    await insertApplicationLogs(db, [
      { Timestamp: at(45), LogLevel: 'INFO', Message: 'old one' },
      { Timestamp: at(40), LogLevel: 'ERROR', Message: 'old two' },
      { Timestamp: at(1), LogLevel: 'INFO', Message: 'recent' },
    ]);
    const dry = await cli(['--json', 'db', 'prune', '--dry-run', '--table', 'applicationlogs']);
    expect(dry.code, dry.err).toBe(0);
    expect(JSON.parse(dry.out)).toMatchObject({
      dryRun: true,
      tables: [{ table: 'ApplicationLogs', retentionDays: 30, olderThanCutoff: 2, deleted: 0 }],
    });
    const human = await cli(['db', 'prune', '--dry-run']);
    expect(human.out).toContain('Dry run: nothing was deleted.');
    expect(human.out).toMatch(/ApplicationLogs\s+30 days/);

    const real = await cli(['--json', 'db', 'prune', '--table', 'ApplicationLogs']);
    expect(JSON.parse(real.out).tables[0]).toMatchObject({ olderThanCutoff: 2, deleted: 2, batches: 1 });
    const left = await db.db.selectFrom('ApplicationLogs').select('Message').execute();
    expect(left.map((r) => r.Message)).toContain('recent');
    expect(left.map((r) => r.Message)).not.toContain('old one');

    const bad = await cli(['db', 'prune', '--table', 'TokenMaster']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('Not a table with a retention: TokenMaster');
  });
});

describe('ocr-ops db rollback', () => {
  it('refuses without the phrase, prepares plaintext keys, blocks sealing, and undoes it', async () => {
    const db = gateway.server.deps.core.db;
    const vault = gateway.server.deps.core.vault;
    const refused = await cli(['db', 'rollback', 'prepare']);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('--confirm "store keys in plaintext"');
    expect((await listStoredKeys(db)).every((k) => vault.isSealed(k.stored))).toBe(true);

    const prepared = await cli([
      'db',
      'rollback',
      'prepare',
      '--confirm',
      'store keys in plaintext',
      '--reason',
      'drill',
    ]);
    expect(prepared.code, prepared.err).toBe(0);
    expect(prepared.out).toContain('1 key(s) written back in plaintext');
    expect((await listStoredKeys(db)).map((k) => k.stored)).toEqual([KEY]);

    const status = await cli(['--json', 'db', 'rollback', 'status']);
    expect(JSON.parse(status.out)).toEqual({ prepared: true, plaintextKeys: 1, sealedKeys: 0 });
    // Nothing seals a key behind the operator while the old service needs plaintext.
    const blocked = await cli(['tokens', 'encrypt-legacy']);
    expect(blocked.code).toBe(6);
    expect(blocked.err).toContain('ocr-ops db rollback undo');

    const undone = await cli(['db', 'rollback', 'undo', '--reason', 'drill over']);
    expect(undone.code, undone.err).toBe(0);
    expect(undone.out).toContain('Rollback undone: 1 key(s) sealed again.');
    expect((await listStoredKeys(db)).every((k) => vault.isSealed(k.stored))).toBe(true);
    const audit = await cli(['--json', 'tokens', 'audit', '--limit', '20']);
    const actions = (JSON.parse(audit.out) as Array<{ action: string; actor: string }>).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['token.key.decrypt-for-rollback', 'token.key.encrypt']));
  });
});
