import { pdfPageCount } from '@invoicegw/gemini-emulator';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PDF_BOUNDS, inspectPdf } from '../src/extraction/pdf-inspect.ts';
import { validateUpload } from '../src/extraction/validate-upload.ts';
import { assemblePdf, hostileCorpus, objectStreamBomb, pdfLibPages } from './fixtures/hostile-corpus.ts';

// The corpus at unit level: every page-count trick is counted at least at its true
// pages (so MAX_PDF_PAGES and the hold see them), and what cannot be inspected within the bounds
// is refused as INVALID_FILE. The corpus is generated here; nothing binary is committed.
const corpus = await hostileCorpus();
const counted = corpus.filter((f) => f.type === 'application/pdf' && f.pages !== undefined);
const refused = corpus.filter((f) => f.refused !== undefined);
const LIMITS = { maxUploadBytes: 20 * 1024 * 1024, maxPdfPages: 1000 };

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected a refusal');
}

/** The longest the event loop went without a turn while `work` ran. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 2);
  try {
    const result = await work();
    return { result, stallMs: Math.max(stallMs, performance.now() - last) };
  } finally {
    clearInterval(timer);
  }
}

describe('hostile PDFs: page counts no document can talk down', () => {
  it.each(counted.map((f) => [f.name, f] as const))(
    '%s: counted at least at its true pages',
    async (_, file) => {
      const facts = await inspectPdf(file.bytes);
      expect(facts.encrypted).toBe(false);
      expect(facts.pages).toBeGreaterThanOrEqual(file.pages!);
      const validated = await validateUpload({ bytes: file.bytes }, LIMITS);
      expect(validated.pages).toBeGreaterThanOrEqual(file.pages!);
      // The emulator (our stand-in for Google) bills the same truth, so the server tests mean something.
      expect(pdfPageCount(file.bytes)).toBe(file.pages);
    },
  );

  it.each(counted.filter((f) => f.pages! > 50).map((f) => [f.name, f] as const))(
    '%s: refused over MAX_PDF_PAGES instead of slipping under it',
    async (_, file) => {
      expect(
        await refusal(validateUpload({ bytes: file.bytes }, { ...LIMITS, maxPdfPages: 50 })),
      ).toMatchObject({
        code: 'INVALID_FILE',
        message: expect.stringMatching(/^The PDF has \d+ pages; the limit is 50$/),
      });
    },
  );

  it.each(refused.map((f) => [f.name, f] as const))('%s: refused as INVALID_FILE', async (_, file) => {
    const { result, stallMs } = await longestStall(() =>
      refusal(validateUpload({ bytes: file.bytes }, LIMITS)),
    );
    expect(result).toMatchObject({ code: 'INVALID_FILE', message: expect.stringMatching(file.refused!) });
    // Decompression runs on the thread pool under zlib's own cap: the event loop keeps turning.
    expect(stallMs).toBeLessThan(200);
  });

  it('stops a 1 GiB bomb at the 8 MB cap: bounded memory, never the inflated size', async () => {
    const bomb = await objectStreamBomb(1024 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(1.2 * 1024 * 1024);
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    try {
      await expect(inspectPdf(bomb)).rejects.toMatchObject({ reason: 'limits' });
    } finally {
      clearInterval(sampler);
    }
    expect(peak - before).toBeLessThan(300 * 1024 * 1024);
  });

  it('reads object streams behind a reference, and refuses one whose header is never defined', async () => {
    const page = '<< /Type /Page /Parent 2 0 R >>\n';
    const header = `3 0 4 ${page.length} `;
    const data = Buffer.from(header + page + page, 'latin1');
    const stream = Buffer.concat([
      Buffer.from(`<< /Type /ObjStm /N 2 /First 6 0 R /Length ${data.length} >>\nstream\n`, 'latin1'),
      data,
      Buffer.from('\nendstream', 'latin1'),
    ]);
    const pdf = (first: string[]) =>
      assemblePdf(
        [
          '<< /Type /Catalog /Pages 2 0 R >>',
          '<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 1 >>',
          '(3)',
          '(4)',
          stream,
          ...first,
        ],
        '/Root 1 0 R',
      );
    // Object 6 holds /First; objects 3 and 4 are pages only inside the stream.
    const facts = await inspectPdf(pdf([String(header.length)]));
    expect(facts.pages).toBe(2);
    expect(facts.evidence).toMatchObject({ typed: 2, objectStreams: 1 });
    expect(await refusal(validateUpload({ bytes: pdf([]) }, LIMITS))).toMatchObject({
      code: 'INVALID_FILE',
      message: expect.stringContaining('cannot be checked safely'),
    });
  });

  it('keeps every bound: objects, parse work and time, each refused with a clear message', async () => {
    const pdf = await pdfLibPages(200, false);
    await expect(inspectPdf(pdf, { ...DEFAULT_PDF_BOUNDS, maxObjects: 50 })).rejects.toMatchObject({
      reason: 'limits',
      message: 'the file defines more than 50 objects',
    });
    await expect(inspectPdf(pdf, { ...DEFAULT_PDF_BOUNDS, workPerByte: 0.5 })).rejects.toMatchObject({
      reason: 'limits',
      message: expect.stringContaining('too complex'),
    });
    await expect(inspectPdf(pdf, { ...DEFAULT_PDF_BOUNDS, timeoutMs: 0, sliceMs: 0 })).rejects.toMatchObject({
      reason: 'limits',
      message: 'inspection took longer than 0 s',
    });
    // Unbalanced strings after many headers would make a naive scan quadratic: the budget stops it.
    const quadratic = Buffer.from(`%PDF-1.7\n${'1 0 obj (\n'.repeat(20_000)}%%EOF`, 'latin1');
    expect(await refusal(validateUpload({ bytes: quadratic }, LIMITS))).toMatchObject({
      code: 'INVALID_FILE',
      message: expect.stringContaining('too complex'),
    });
  });

  it('refuses an object stream with a filter it cannot check', async () => {
    const pdf = assemblePdf(
      [
        '<< /Type /Catalog /Pages 2 0 R >>',
        '<< /Type /Pages /Kids [] /Count 0 >>',
        '<< /Type /ObjStm /N 1 /First 4 /Filter /JBIG2Decode /Length 3 >>\nstream\nabc\nendstream',
      ],
      '/Root 1 0 R',
    );
    expect(await refusal(validateUpload({ bytes: pdf }, LIMITS))).toMatchObject({
      code: 'INVALID_FILE',
      message: 'The PDF cannot be checked safely: an object stream uses the JBIG2Decode filter',
    });
  });
});
