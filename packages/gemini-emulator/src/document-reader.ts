import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';

/** Text shown by a PDF's content streams (Tj/TJ operators), compressed or not. */
export function pdfTextLines(pdf: Buffer): string[] {
  const text = pdf.toString('latin1');
  const lines: string[] = [];
  const streamRe = /<<([\s\S]*?)>>\s*stream\r?\n/g;
  for (let m = streamRe.exec(text); m; m = streamRe.exec(text)) {
    const start = m.index + m[0].length;
    const end = text.indexOf('endstream', start);
    if (end < 0) break;
    let data = text.slice(start, end).replace(/\r?\n$/, '');
    if (/\/FlateDecode/.test(m[1]!)) {
      try {
        // Capped: a compression bomb is skipped, not inflated.
        data = inflateSync(Buffer.from(data, 'latin1'), { maxOutputLength: 16 * 1024 * 1024 }).toString(
          'latin1',
        );
      } catch {
        continue;
      }
    }
    for (const op of data.matchAll(/\((?:\\.|[^\\)])*\)\s*Tj|\[((?:\((?:\\.|[^\\)])*\)|[^\]])*)\]\s*TJ/g)) {
      const strings = [...op[0].matchAll(/\(((?:\\.|[^\\)])*)\)/g)].map((s) => s[1]!.replace(/\\(.)/g, '$1'));
      lines.push(strings.join(''));
    }
    streamRe.lastIndex = end;
  }
  return lines;
}

export { pdfPageCount } from './page-count.ts';

type Json = Record<string, unknown>;

const num = (s: string | undefined) => (s === undefined ? null : Number(s.replace(/,/g, '')));

/**
 * The invoice a document shows, as a careful model would return it under the gateway's schema:
 * every field present, null where the document says nothing.
 */
export function invoiceFromLines(lines: readonly string[]): Json {
  const field = (label: string) => {
    const line = lines.find((l) => l.toLowerCase().startsWith(`${label.toLowerCase()}:`));
    return line === undefined ? null : line.slice(label.length + 1).trim();
  };
  const products = lines
    .filter((l) => l.startsWith('Item:'))
    .map((l, i) => {
      const parts = Object.fromEntries(
        l.split('|').map((p) => {
          const at = p.indexOf(':');
          return [p.slice(0, at).trim(), p.slice(at + 1).trim()];
        }),
      );
      return {
        sku: parts.Item ?? null,
        sku_code: parts.Code ?? null,
        quantity: num(parts.Qty),
        shortage: null,
        breakage: null,
        leakage: null,
        batch: null,
        sno: String(i + 1),
        rate: num(parts.Rate),
        discount: null,
        mrp: null,
        vat: null,
        hscode: parts.HS ?? null,
        altQty: null,
        unit: parts.Unit ?? null,
      };
    });
  return {
    order_no: field('Order No'),
    invoice_no: field('Invoice No'),
    delivery_note: null,
    vehicle_no: null,
    transporter: null,
    date: field('Invoice Date'),
    dealer_name: field('Buyer'),
    pws_no: null,
    company_name: field('Seller'),
    transaction_type: null,
    transaction_date: null,
    due_date: field('Due Date'),
    invoice_miti: null,
    invoice_date: field('Invoice Date'),
    seller_tax_id: field('Seller PAN'),
    buyer_tax_id: field('Buyer PAN'),
    currency: field('Currency'),
    sub_total: num(field('Sub Total') ?? undefined),
    discount_total: num(field('Discount') ?? undefined),
    taxable_value: num(field('Taxable') ?? undefined),
    vat_total: num(field('VAT') ?? undefined),
    total_amount: num(field('Total') ?? undefined),
    products,
  };
}

/** What the emulator "reads" from an image: a stable invoice derived from its bytes. */
export function invoiceFromImage(bytes: Buffer): Json {
  const id = createHash('sha256').update(bytes).digest('hex').slice(0, 8).toUpperCase();
  return invoiceFromLines([
    `Invoice No: IMG-${id}`,
    'Invoice Date: 2026-11-01',
    'Seller: Photo Supplier',
    'Buyer: Photo Buyer',
    'Item: Scanned item | Qty: 1 | Rate: 100',
    'Sub Total: 100',
    'Discount: 0',
    'Taxable: 100',
    'VAT: 13',
    'Total: 113',
  ]);
}
