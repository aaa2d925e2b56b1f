import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryLogger } from '@invoicegw/core';
import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/env.ts';
import { startServer } from '../src/server.ts';
import { processDirPrefix } from '../src/uploads/upload-spool.ts';
import { fakeKey, startTestServer, type TestServer, uploadForm } from './helpers.ts';

// Uploads are read as they arrive: limits bite mid-stream, big files wait on disk in a private
// spool directory that is empty again once the request ends, whichever way it ends.
const BOUNDARY = 'igw-stream-test-boundary';
const MB = 1024 * 1024;

async function until(condition: () => boolean, what: string, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`${what}: not in time`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function spoolFiles(s: TestServer): Array<{ name: string; size: number }> {
  const dir = s.deps.uploadSpool.dir;
  return readdirSync(dir).map((name) => ({ name, size: statSync(join(dir, name)).size }));
}

function head(fields: Record<string, string>, file?: { name?: string; type?: string }): Buffer {
  let out = '';
  for (const [name, value] of Object.entries(fields))
    out += `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  if (file)
    out += `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${file.name ?? 'big.pdf'}"\r\nContent-Type: ${file.type ?? 'application/pdf'}\r\n\r\n`;
  return Buffer.from(out);
}
const TAIL = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);

interface Sent {
  status: number | 'dropped';
  body: string;
  /** Body bytes handed to the socket when the answer's headers arrived. */
  writtenAtAnswer: number;
}

/**
 * POSTs `parts` over node:http, 64 KiB at a time with backpressure, and stops writing once an
 * answer arrives. `pause(written)` may hold the upload (a slow client); `abortAt` drops it.
 */
function send(
  url: string,
  path: string,
  parts: Buffer[],
  options: {
    chunked?: boolean;
    pause?: (written: number) => Promise<void> | undefined;
    abortAt?: number;
    headers?: Record<string, string>;
  } = {},
): Promise<Sent> {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const target = new URL(path, url);
  return new Promise((resolve) => {
    let answered = false;
    let writtenAtAnswer = -1;
    let written = 0;
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: {
          'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
          ...(options.chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(total) }),
          ...options.headers,
        },
      },
      (res) => {
        answered = true;
        writtenAtAnswer = written;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, writtenAtAnswer }));
        res.on('error', () => resolve({ status: 'dropped', body, writtenAtAnswer }));
      },
    );
    req.on('error', () => {
      if (!answered) resolve({ status: 'dropped', body: '', writtenAtAnswer: written });
    });
    void (async () => {
      for (const part of parts) {
        for (let at = 0; at < part.length; at += 64 * 1024) {
          if (answered || req.destroyed) return;
          if (options.abortAt !== undefined && written >= options.abortAt) {
            req.destroy();
            return;
          }
          const wait = options.pause?.(written);
          if (wait) await wait;
          const chunk = part.subarray(at, at + 64 * 1024);
          written += chunk.length;
          if (!req.write(chunk))
            await new Promise<void>((r) => {
              req.once('drain', r);
              req.once('close', r);
            });
        }
      }
      if (!answered && !req.destroyed) req.end();
    })();
  });
}

let spoolBase = '';
let s: TestServer;
let bigPdf: Buffer;
beforeAll(() => {
  bigPdf = renderInvoicePdf(DEMO_INVOICE, { padToBytes: 20 * MB });
});
afterEach(async () => {
  await s?.stop();
  if (spoolBase) rmSync(spoolBase, { recursive: true, force: true });
  spoolBase = '';
});

async function start(env: Record<string, string> = {}) {
  spoolBase ||= mkdtempSync(join(tmpdir(), 'igw-spool-'));
  s = await startTestServer({
    UPLOAD_SPOOL_DIR: spoolBase,
    MAX_UPLOAD_MB: '25',
    CACHE_MAX_ENTRIES: '0',
    GEMINI_ATTEMPT_TIMEOUT_MS: '30000',
    ...env,
  });
  const added = await fetch(`${s.url}/v1/tokens`, {
    method: 'POST',
    headers: { ...s.admin, 'content-type': 'application/json' },
    body: JSON.stringify({ companyId: 'NT047', apiKey: fakeKey('stream'), totalTokenLimit: 100_000_000 }),
  });
  expect(added.status).toBe(200);
  return s;
}

/** Holds the upload at `at` bytes until the spool has a file bigger than the spool threshold. */
const holdUntilSpooled = (at: number) => {
  let held = false;
  return (written: number) => {
    if (held || written < at) return undefined;
    held = true;
    return until(() => spoolFiles(s).some((f) => f.size > MB), 'the upload reached the spool');
  };
};

describe('a big upload waits on disk, and the disk is clean when the request ends', () => {
  it('20 MB: spooled while it arrives (mode 0600, unguessable name), served, hashed on the way, spool empty after', async () => {
    await start();
    const seen: string[] = [];
    const res = await send(
      s.url,
      '/extract',
      [head({ companyID: 'NT047', username: 'u' }, {}), bigPdf, TAIL],
      {
        pause: (written) => {
          if (written < 8 * MB || seen.length) return undefined;
          return until(() => spoolFiles(s).some((f) => f.size > MB), 'spooled').then(() => {
            const dir = s.deps.uploadSpool.dir;
            for (const f of spoolFiles(s)) {
              seen.push(f.name);
              expect(statSync(join(dir, f.name)).mode & 0o777).toBe(0o600);
            }
            expect(statSync(dir).mode & 0o777).toBe(0o700);
          });
        },
      },
    );
    expect(res.status, res.body.slice(0, 300)).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^[0-9a-f]{32}\.part$/);
    const json = JSON.parse(res.body) as { meta: { file: { sha256: string; sizeBytes: number } } };
    expect(json.meta.file).toMatchObject({
      sizeBytes: bigPdf.length,
      sha256: createHash('sha256').update(bigPdf).digest('hex'),
    });
    expect(spoolFiles(s)).toEqual([]);
  }, 120_000);

  it('20 MB with a refused field: 422/400 as before, spool empty after', async () => {
    await start();
    const missing = await send(s.url, '/extract', [head({ username: 'u' }, {}), bigPdf, TAIL], {
      pause: holdUntilSpooled(8 * MB),
    });
    expect(missing.status).toBe(422);
    expect(JSON.parse(missing.body)).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(spoolFiles(s)).toEqual([]);
    const wrongType = await send(
      s.url,
      '/v1/extract',
      [head({ companyId: 'NT047' }, { type: 'image/png' }), bigPdf, TAIL],
      { pause: holdUntilSpooled(8 * MB) },
    );
    expect(wrongType.status).toBe(415);
    expect(JSON.parse(wrongType.body)).toMatchObject({ code: 'UNSUPPORTED_FILE_TYPE' });
    expect(spoolFiles(s)).toEqual([]);
    expect(s.emulator.requests()).toEqual([]);
  }, 120_000);

  it('a client that drops mid-upload leaves nothing in the spool, and the server keeps serving', async () => {
    await start();
    const dropped = await send(s.url, '/v1/extract', [head({ companyId: 'NT047' }, {}), bigPdf, TAIL], {
      pause: holdUntilSpooled(6 * MB),
      abortAt: 10 * MB,
    });
    expect(dropped.status).toBe('dropped');
    await until(() => spoolFiles(s).length === 0, 'the partial spool file was removed');
    await until(() => s.deps.active.value === 0, 'the request ended');
    expect((await fetch(`${s.url}/`)).status).toBe(200);
    expect(s.emulator.requests()).toEqual([]);
  }, 120_000);

  it('a spool directory left by a stopped process is removed at startup; live ones and other files stay', async () => {
    spoolBase = mkdtempSync(join(tmpdir(), 'igw-spool-'));
    // A pid that was real and has exited.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const stale = join(spoolBase, `${processDirPrefix(gone)}AbC123`);
    mkdirSync(stale, { mode: 0o700 });
    writeFileSync(join(stale, `${'a'.repeat(32)}.part`), 'left by a crash');
    // Our own pid but not opened by this process: an earlier process with the same pid (pid 1 in a container).
    mkdirSync(join(spoolBase, `${processDirPrefix()}Zz9999`), { mode: 0o700 });
    mkdirSync(join(spoolBase, `${processDirPrefix(process.ppid)}Live00`), { mode: 0o700 });
    // Another host's (or container's) directory on a shared disk: its pids are not ours to judge.
    mkdirSync(join(spoolBase, `${gone}-0badc0de-Other0`), { mode: 0o700 });
    writeFileSync(join(spoolBase, 'notes.txt'), 'not ours');
    await start();
    const names = readdirSync(spoolBase).sort();
    expect(names).not.toContain(`${processDirPrefix(gone)}AbC123`);
    expect(names).not.toContain(`${processDirPrefix()}Zz9999`);
    expect(names).toContain(`${processDirPrefix(process.ppid)}Live00`);
    expect(names).toContain(`${gone}-0badc0de-Other0`);
    expect(names).toContain('notes.txt');
    expect(names).toContain(s.deps.uploadSpool.dir.split('/').pop());
    await s.stop();
    // Shutdown removes this process's directory.
    expect(readdirSync(spoolBase)).not.toContain(s.deps.uploadSpool.dir.split('/').pop());
    s = undefined as unknown as TestServer;
  }, 60_000);

  it('refuses a spool directory other users can read, or a file in its place, naming the variable', async () => {
    spoolBase = mkdtempSync(join(tmpdir(), 'igw-spool-'));
    // Refused before the database or a port is opened: nothing to close afterwards.
    const startWith = (dir: string) =>
      startServer(
        loadConfig({
          NODE_ENV: 'test',
          PORT: '0',
          DATABASE_URL: `sqlite:${join(spoolBase, 'never.sqlite')}`,
          DATA_DIR: spoolBase,
          ADMIN_API_KEY: 'test-admin-key-for-the-suite',
          UPLOAD_SPOOL_DIR: dir,
        }),
        { console: createMemoryLogger() },
      );
    const open = join(spoolBase, 'open');
    mkdirSync(open, { mode: 0o755 });
    chmodSync(open, 0o755);
    await expect(startWith(open)).rejects.toThrow(/UPLOAD_SPOOL_DIR .* readable or writable by other users/);
    writeFileSync(join(spoolBase, 'plain'), '');
    await expect(startWith(join(spoolBase, 'plain'))).rejects.toThrow(/UPLOAD_SPOOL_DIR .*plain/);
    expect(readdirSync(spoolBase)).not.toContain('never.sqlite');
  });
});

describe('limits bite mid-stream', () => {
  let srv: TestServer;
  let base: string;
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), 'igw-spool-'));
    srv = await startTestServer({ UPLOAD_SPOOL_DIR: base, MAX_UPLOAD_MB: '1', CACHE_MAX_ENTRIES: '0' });
  });
  afterAll(async () => {
    await srv.stop();
    rmSync(base, { recursive: true, force: true });
  });
  const fill = (n: number) => Buffer.alloc(n, 0x41);

  it('a 200 MB file with no length is refused 413 FILE_TOO_LARGE before the client has sent 10% of it', async () => {
    const file = Buffer.concat([Buffer.from('%PDF-1.7\n'), fill(200 * MB)]);
    const res = await send(srv.url, '/v1/extract', [head({ companyId: 'NT047' }, {}), file, TAIL], {
      chunked: true,
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'FILE_TOO_LARGE' });
    expect(JSON.parse(res.body).message).toMatch(/limit of 1\.0 MB/);
    console.info(
      `200 MB upload over a 1 MB limit: answered after ${(res.writtenAtAnswer / MB).toFixed(1)} MB sent`,
    );
    expect(res.writtenAtAnswer).toBeLessThan(20 * MB);
    await until(() => readdirSync(srv.deps.uploadSpool.dir).length === 0, 'spool empty');
  }, 60_000);

  it('a modestly oversize file gets its 413 answer, not a reset, over fetch', async () => {
    for (const route of ['/extract', '/v1/extract']) {
      const res = await fetch(`${srv.url}${route}`, {
        method: 'POST',
        body: uploadForm({ companyID: 'NT047', username: 'u' }, { bytes: fill(MB + 300 * 1024) }),
      });
      expect([route, res.status]).toEqual([route, 413]);
      expect(await res.json()).toMatchObject({ code: 'FILE_TOO_LARGE' });
    }
  });

  it('a file of exactly the limit passes the size check; one byte more is 413', async () => {
    const at = Buffer.concat([Buffer.from('%PDF-1.7\n'), fill(MB - 9)]);
    const over = Buffer.concat([at, Buffer.from('A')]);
    const ok = await send(srv.url, '/v1/extract', [head({ companyId: 'NT047' }, {}), at, TAIL]);
    // Past the size check, the (unreadable) PDF is what is refused.
    expect(JSON.parse(ok.body)).toMatchObject({ code: 'INVALID_FILE' });
    const refused = await send(srv.url, '/v1/extract', [head({ companyId: 'NT047' }, {}), over, TAIL]);
    expect(refused.status).toBe(413);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'FILE_TOO_LARGE' });
  });

  it('a long octet-stream part without a filename is read as text: dropped, or refused when it is a field', async () => {
    const part = (name: string) =>
      Buffer.concat([
        Buffer.from(
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
        ),
        fill(200 * 1024),
        Buffer.from('\r\n'),
      ]);
    const dropped = await send(srv.url, '/v1/extract', [head({ companyId: 'NT047' }), part('notes'), TAIL]);
    expect(JSON.parse(dropped.body)).toMatchObject({ code: 'VALIDATION_ERROR', message: 'file is required' });
    const refused = await send(srv.url, '/v1/extract', [part('companyId'), TAIL]);
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body).message).toContain('companyId must be at most 50 characters');
  });

  it('a body over the limit is refused from its Content-Length, and mid-stream without one', async () => {
    const declared = await send(srv.url, '/extract', [head({ companyID: 'NT047' }), fill(3 * MB)]);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    // Many small parts that are not the file: only the body limit can stop them.
    const parts = Array.from({ length: 5 }, (_, i) =>
      Buffer.concat([
        Buffer.from(
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="other${i}"; filename="x"\r\n\r\n`,
        ),
        fill(900 * 1024),
        Buffer.from('\r\n'),
      ]),
    );
    const chunked = await send(srv.url, '/extract', [head({ companyID: 'NT047' }), ...parts, TAIL], {
      chunked: true,
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('a 1 MB text field is refused 400 VALIDATION_ERROR naming it, on both streamed routes', async () => {
    const big = 'c'.repeat(MB);
    for (const [route, name] of [
      ['/extract', 'companyID'],
      ['/v1/extract', 'company_id'],
      ['/extract', 'userName'],
      ['/v1/extract', 'idempotencyKey'],
    ] as const) {
      const res = await fetch(`${srv.url}${route}`, {
        method: 'POST',
        body: uploadForm({ companyID: 'NT047', username: 'u', [name]: big }, { bytes: fill(10) }),
      });
      const text = await res.text();
      expect([route, name, res.status]).toEqual([route, name, 400]);
      expect(JSON.parse(text)).toMatchObject({ code: 'VALIDATION_ERROR' });
      expect(text).toContain(name);
      expect(text.length).toBeLessThan(2000);
    }
    // A long field the routes do not read is dropped, not refused.
    const other = await fetch(`${srv.url}/v1/extract`, {
      method: 'POST',
      body: uploadForm({ companyId: 'NT047', notes: big }),
    });
    expect(await other.json()).toMatchObject({ code: 'VALIDATION_ERROR', message: 'file is required' });
  });

  it('too many parts, a malformed body and a truncated one are 400 VALIDATION_ERROR', async () => {
    const many = Buffer.concat(
      Array.from({ length: 150 }, (_, i) => head({ [`f${i}`]: 'x' })).concat([TAIL]),
    );
    const tooMany = await send(srv.url, '/extract', [many]);
    expect(tooMany.status).toBe(400);
    expect(JSON.parse(tooMany.body)).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(JSON.parse(tooMany.body).message).toMatch(/too many parts/);
    const noBoundary = await fetch(`${srv.url}/v1/extract`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data' },
      body: 'x',
    });
    expect(noBoundary.status).toBe(400);
    expect(await noBoundary.json()).toMatchObject({
      code: 'VALIDATION_ERROR',
      message: 'The multipart body could not be read (malformed or incomplete)',
    });
    const truncated = await send(srv.url, '/v1/extract', [head({ companyId: 'NT047' }, {}), fill(1000)]);
    expect(truncated.status).toBe(400);
    expect(JSON.parse(truncated.body)).toMatchObject({
      code: 'VALIDATION_ERROR',
      message: 'The multipart body could not be read (malformed or incomplete)',
    });
    expect(readdirSync(srv.deps.uploadSpool.dir)).toEqual([]);
  });

  it('two file parts are refused: which one to extract and charge would be a guess', async () => {
    const form = new FormData();
    form.set('companyID', 'NT047');
    form.set('username', 'u');
    for (const name of ['a.pdf', 'b.pdf'])
      form.append(
        'file',
        new Blob([new Uint8Array(Buffer.from('%PDF-1.4 x'))], { type: 'application/pdf' }),
        name,
      );
    const res = await fetch(`${srv.url}/extract`, { method: 'POST', body: form });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: 'VALIDATION_ERROR',
      message: expect.stringContaining('one file per request'),
    });
    expect(readdirSync(srv.deps.uploadSpool.dir)).toEqual([]);
  });

  it('urlencoded forms are still read (small, no file)', async () => {
    const legacy = await fetch(`${srv.url}/extract`, {
      method: 'POST',
      body: new URLSearchParams({
        companyID: 'NT047',
        username: 'u',
        extractFromLink: '1',
        pdf_url: 'http://x',
      }),
    });
    expect(legacy.status).toBe(400);
    expect(await legacy.json()).toMatchObject({ code: 'URL_MODE_UNSUPPORTED' });
    const rest = await fetch(`${srv.url}/v1/extract`, {
      method: 'POST',
      body: new URLSearchParams({ companyId: 'NT047' }),
    });
    expect(await rest.json()).toMatchObject({ code: 'VALIDATION_ERROR', message: 'file is required' });
  });
});
