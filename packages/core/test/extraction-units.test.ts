import { DEMO_INVOICE, renderInvoicePdf } from '@invoicegw/gemini-emulator';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../src/extraction/classify-failure.ts';
import {
  backoffDelay,
  DEFAULT_EXTRACTION_OPTIONS,
  nextPacificMidnight,
} from '../src/extraction/extraction-options.ts';
import { declaredTypeConflicts, sniffMimeType } from '../src/extraction/file-type.ts';
import { ProviderHttpError, toUsageReport } from '../src/extraction/gemini-provider.ts';
import { INVOICE_RESPONSE_SCHEMA } from '../src/extraction/gemini-schema.ts';
import { checkInvoiceArithmetic } from '../src/extraction/invoice-checks.ts';
import { normaliseInvoice } from '../src/extraction/normalise-invoice.ts';
import { validateUpload } from '../src/extraction/validate-upload.ts';

const LIMITS = { maxUploadBytes: 1024 * 1024, maxPdfPages: 5 };
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const JPEG = Buffer.from('ffd8ffe000104a464946', 'hex');
const WEBP = Buffer.from('RIFF\x00\x00\x00\x00WEBPVP8 ', 'latin1');
const HEIC = Buffer.from('\x00\x00\x00\x18ftypheic\x00\x00\x00\x00', 'latin1');

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected a refusal');
}

describe('upload validation', () => {
  it('knows types by their bytes, never by what the client says', () => {
    expect(sniffMimeType(renderInvoicePdf(DEMO_INVOICE))).toBe('application/pdf');
    expect(sniffMimeType(PNG)).toBe('image/png');
    expect(sniffMimeType(JPEG)).toBe('image/jpeg');
    expect(sniffMimeType(WEBP)).toBe('image/webp');
    expect(sniffMimeType(HEIC)).toBe('image/heic');
    expect(sniffMimeType(Buffer.from('GIF89a...'))).toBeUndefined();
    expect(declaredTypeConflicts('application/octet-stream', 'application/pdf')).toBe(false);
    expect(declaredTypeConflicts(undefined, 'image/png')).toBe(false);
    expect(declaredTypeConflicts('image/jpg', 'image/jpeg')).toBe(false);
    expect(declaredTypeConflicts('image/png', 'application/pdf')).toBe(true);
  });

  it('accepts a PDF with its page count, and an image', async () => {
    expect(
      await validateUpload({ bytes: renderInvoicePdf(DEMO_INVOICE, { pages: 3, compress: true }) }, LIMITS),
    ).toMatchObject({
      mimeType: 'application/pdf',
      kind: 'pdf',
      pages: 3,
    });
    expect(await validateUpload({ bytes: PNG, declaredType: 'image/png' }, LIMITS)).toMatchObject({
      kind: 'image',
      pages: 1,
    });
  });

  it('counts pages of PDFs whose objects sit in compressed object streams', async () => {
    const doc = await PDFDocument.create();
    for (let i = 0; i < 7; i++) doc.addPage();
    const bytes = Buffer.from(await doc.save({ useObjectStreams: true }));
    expect(bytes.toString('latin1')).toContain('/ObjStm');
    expect(await refusal(validateUpload({ bytes }, LIMITS))).toMatchObject({
      code: 'INVALID_FILE',
      message: 'The PDF has 7 pages; the limit is 5',
    });
    expect((await validateUpload({ bytes }, { ...LIMITS, maxPdfPages: 7 })).pages).toBe(7);
  });

  it.each([
    ['an empty file', Buffer.alloc(0), undefined, 'FILE_EMPTY', 'File is empty'],
    [
      'text',
      Buffer.from('hello, not an invoice'),
      'text/plain',
      'UNSUPPORTED_FILE_TYPE',
      'Unsupported file type',
    ],
    ['a GIF', Buffer.from('GIF89a......'), 'image/gif', 'UNSUPPORTED_FILE_TYPE', 'Unsupported file type'],
    [
      'a PDF sent as PNG',
      renderInvoicePdf(DEMO_INVOICE),
      'image/png',
      'UNSUPPORTED_FILE_TYPE',
      'sent as image/png but its content is application/pdf',
    ],
    [
      'a file over the limit',
      Buffer.concat([PNG, Buffer.alloc(1024 * 1024)]),
      'image/png',
      'FILE_TOO_LARGE',
      'the limit is',
    ],
    [
      'a truncated PDF',
      renderInvoicePdf(DEMO_INVOICE).subarray(0, 300),
      'application/pdf',
      'INVALID_FILE',
      'cannot be read',
    ],
    [
      'an encrypted PDF',
      Buffer.from(
        renderInvoicePdf(DEMO_INVOICE)
          .toString('latin1')
          .replace('/Root 1 0 R', '/Root 1 0 R /Encrypt 9 0 R'),
        'latin1',
      ),
      'application/pdf',
      'INVALID_FILE',
      'encrypted',
    ],
    [
      'a PDF with too many pages',
      renderInvoicePdf(DEMO_INVOICE, { pages: 6 }),
      'application/pdf',
      'INVALID_FILE',
      '6 pages',
    ],
  ])('refuses %s', async (_name, bytes, declaredType, code, message) => {
    const error = await refusal(validateUpload({ bytes, declaredType }, LIMITS));
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
  });
});

describe('invoice output', () => {
  it('fills every field, reads numbers and dates, drops noise rows, and corrects nothing', () => {
    const { invoice, warnings } = normaliseInvoice({
      invoice_no: ' INV-1 ',
      invoice_date: '2026/11/5',
      due_date: 'next week',
      sub_total: '1,000.50',
      vat_total: 130,
      total_amount: 'NPR 1,130.50',
      discount_total: 'n/a',
      products: [
        { sku: 'Item A', quantity: 1000, rate: '1,000.00' },
        { sku: '', sku_code: null, sno: null, quantity: 5 },
      ],
    });
    expect(invoice).toMatchObject({
      invoice_no: 'INV-1',
      invoice_date: '2026-11-05',
      due_date: null,
      order_no: null,
      sub_total: 1000.5,
      vat_total: 130,
      total_amount: 1130.5,
      discount_total: null,
      currency: null,
    });
    // 1000 stays 1000: the old service's "÷1000 screen correction" is not repeated.
    expect(invoice.products).toEqual([
      expect.objectContaining({ sku: 'Item A', quantity: 1000, rate: 1000, hscode: null, altQty: null }),
    ]);
    expect(warnings.map((w) => [w.code, w.field])).toEqual([
      ['UNREADABLE_DATE', 'due_date'],
      ['UNREADABLE_NUMBER', 'discount_total'],
    ]);
  });

  it('checks the arithmetic and reports, without changing a value', () => {
    const { invoice } = normaliseInvoice({
      sub_total: 1000,
      discount_total: -100,
      taxable_value: 900,
      vat_total: 117,
      total_amount: 1100,
      products: [
        { sku: 'A', quantity: 2, rate: 300, discount: 50, vat: 58.5 },
        { sku: 'B', quantity: 1, rate: 400, discount: 50, vat: 58.5 },
      ],
    });
    expect(checkInvoiceArithmetic(invoice).map((w) => [w.code, w.expected, w.actual])).toEqual([
      ['TOTAL_MISMATCH', 1017, 1100],
    ]);
    const lines = normaliseInvoice({
      sub_total: 500,
      products: [{ sku: 'A', quantity: 2, rate: 300 }],
    }).invoice;
    expect(checkInvoiceArithmetic(lines)).toEqual([
      expect.objectContaining({ code: 'SUBTOTAL_MISMATCH', expected: 600, actual: 500 }),
    ]);
  });

  it('sends Gemini a response schema generated from the zod schema', () => {
    expect(INVOICE_RESPONSE_SCHEMA.type).toBe('OBJECT');
    expect(INVOICE_RESPONSE_SCHEMA.properties?.invoice_date).toMatchObject({
      type: 'STRING',
      nullable: true,
      description: expect.stringContaining('YYYY-MM-DD'),
    });
    expect(INVOICE_RESPONSE_SCHEMA.properties?.total_amount).toEqual({ type: 'NUMBER', nullable: true });
    expect(INVOICE_RESPONSE_SCHEMA.properties?.products?.items?.properties?.altQty).toEqual({
      type: 'NUMBER',
      nullable: true,
    });
    expect(INVOICE_RESPONSE_SCHEMA.required).toContain('seller_tax_id');
  });

  it('charges totalTokenCount and keeps the modalities apart', () => {
    expect(
      toUsageReport({
        promptTokenCount: 1290,
        candidatesTokenCount: 12,
        thoughtsTokenCount: 21,
        totalTokenCount: 1323,
        promptTokensDetails: [
          { modality: 'TEXT', tokenCount: 32 },
          { modality: 'DOCUMENT', tokenCount: 1258 },
        ],
      }),
    ).toMatchObject({
      totalTokens: 1323,
      thoughtsTokens: 21,
      documentPromptTokens: 1258,
      textPromptTokens: 32,
      imagePromptTokens: 0,
    });
    expect(toUsageReport(undefined)).toBeNull();
  });
});

describe('failure classification', () => {
  const http = (status: number, error: Record<string, unknown>, retryAfterMs?: number) =>
    new ProviderHttpError(status, { error }, retryAfterMs);
  const T = 'type.googleapis.com/google.rpc.';

  it.each([
    [
      http(429, {
        status: 'RESOURCE_EXHAUSTED',
        details: [
          {
            '@type': `${T}QuotaFailure`,
            violations: [{ quotaId: 'GenerateRequestsPerMinutePerProjectPerModel' }],
          },
          { '@type': `${T}RetryInfo`, retryDelay: '59s' },
        ],
      }),
      'rate_limited',
      59_000,
    ],
    [
      http(429, {
        status: 'RESOURCE_EXHAUSTED',
        details: [
          {
            '@type': `${T}QuotaFailure`,
            violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' }],
          },
        ],
      }),
      'key_quota_exhausted',
      undefined,
    ],
    [http(429, { status: 'RESOURCE_EXHAUSTED' }, 2000), 'rate_limited', 2000],
    [
      http(400, {
        status: 'INVALID_ARGUMENT',
        message: 'API key not valid.',
        details: [{ '@type': `${T}ErrorInfo`, reason: 'API_KEY_INVALID' }],
      }),
      'key_rejected',
      undefined,
    ],
    [http(403, { status: 'PERMISSION_DENIED' }), 'key_rejected', undefined],
    [http(400, { status: 'INVALID_ARGUMENT', message: 'bad schema' }), 'rejected', undefined],
    [http(404, { status: 'NOT_FOUND' }), 'rejected', undefined],
    [http(408, { status: 'HTTP_408' }), 'transient', undefined],
    [http(500, { status: 'INTERNAL' }), 'transient', undefined],
    [new ProviderHttpError(502, '<html>bad gateway</html>', undefined), 'transient', undefined],
    [http(503, { status: 'UNAVAILABLE' }), 'transient', undefined],
    [http(504, { status: 'DEADLINE_EXCEEDED' }), 'transient', undefined],
    [Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } }), 'transient', undefined],
  ])('%#: classifies by status and google.rpc details', (error, kind, retryAfterMs) => {
    const failure = classifyFailure(error, 'AIzaFAKE-secret-key-value');
    expect(failure.kind).toBe(kind);
    expect(failure.retryAfterMs).toBe(retryAfterMs);
  });

  it('never puts the key in a failure message', () => {
    const key = 'AIzaFAKE-secret-key-value';
    const failure = classifyFailure(
      http(400, { status: 'INVALID_ARGUMENT', message: `bad key ${key}` }),
      key,
    );
    expect(failure.message).not.toContain(key);
  });

  it('backs off exponentially with bounded jitter, and knows when the daily quota resets', () => {
    const o = DEFAULT_EXTRACTION_OPTIONS;
    expect([0, 1, 2].map((i) => backoffDelay(o, i, () => 0))).toEqual([1000, 2000, 4000]);
    expect(backoffDelay(o, 2, () => 0.999)).toBeLessThanOrEqual(5000);
    expect(backoffDelay(o, 10, () => 0.999)).toBe(30_000);
    const midnight = nextPacificMidnight(new Date('2026-11-28T12:00:00Z'));
    expect(midnight.toISOString()).toBe('2026-11-29T08:00:00.000Z');
  });
});
