import { deflateSync } from 'node:zlib';

/** The invoice a sample document shows; field names as the gateway returns them. */
export interface SampleInvoice {
  invoice_no: string;
  invoice_date: string;
  due_date?: string;
  order_no?: string;
  company_name: string;
  dealer_name: string;
  seller_tax_id?: string;
  buyer_tax_id?: string;
  currency?: string;
  vat_total?: number;
  discount_total?: number;
  products: Array<{
    sku: string;
    sku_code?: string;
    quantity: number;
    rate: number;
    unit?: string;
    hscode?: string;
  }>;
}

/** Text lines the emulator reads back; one `Label: value` per line, products as `Item:` rows. */
export function invoiceLines(invoice: SampleInvoice): string[] {
  const lines = [
    'TAX INVOICE',
    `Invoice No: ${invoice.invoice_no}`,
    `Invoice Date: ${invoice.invoice_date}`,
    `Seller: ${invoice.company_name}`,
    `Buyer: ${invoice.dealer_name}`,
  ];
  if (invoice.due_date) lines.push(`Due Date: ${invoice.due_date}`);
  if (invoice.order_no) lines.push(`Order No: ${invoice.order_no}`);
  if (invoice.seller_tax_id) lines.push(`Seller PAN: ${invoice.seller_tax_id}`);
  if (invoice.buyer_tax_id) lines.push(`Buyer PAN: ${invoice.buyer_tax_id}`);
  if (invoice.currency) lines.push(`Currency: ${invoice.currency}`);
  for (const p of invoice.products) {
    const parts = [`Item: ${p.sku}`, `Qty: ${p.quantity}`, `Rate: ${p.rate}`];
    if (p.sku_code) parts.push(`Code: ${p.sku_code}`);
    if (p.unit) parts.push(`Unit: ${p.unit}`);
    if (p.hscode) parts.push(`HS: ${p.hscode}`);
    lines.push(parts.join(' | '));
  }
  const sub = round2(invoice.products.reduce((s, p) => s + p.quantity * p.rate, 0));
  const discount = invoice.discount_total ?? 0;
  const vat = invoice.vat_total ?? round2((sub - discount) * 0.13);
  lines.push(
    `Sub Total: ${sub}`,
    `Discount: ${discount}`,
    `Taxable: ${round2(sub - discount)}`,
    `VAT: ${vat}`,
    `Total: ${round2(sub - discount + vat)}`,
  );
  return lines;
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function pdfString(text: string): string {
  return `(${text.replace(/[\\()]/g, (c) => `\\${c}`)})`;
}

export interface RenderOptions {
  /** Extra blank pages (for page-count tests). */
  pages?: number;
  /** Compress content streams (FlateDecode), as most real PDFs do. */
  compress?: boolean;
  /** Append filler so the file reaches this many bytes (for size tests and benchmarks). */
  padToBytes?: number;
}

/** A small, valid PDF showing the invoice as text: what the tests, the demo and the benchmarks upload. */
export function renderInvoicePdf(invoice: SampleInvoice, options: RenderOptions = {}): Buffer {
  const pageCount = Math.max(1, options.pages ?? 1);
  const lines = invoiceLines(invoice);
  const content = [
    'BT',
    '/F1 10 Tf',
    '50 800 Td',
    '14 TL',
    ...lines.map((l) => `${pdfString(l)} Tj T*`),
    'ET',
  ].join('\n');
  const objects: string[] = [];
  const add = (body: string) => objects.push(body) && objects.length;
  const catalog = add('');
  const pagesId = add('');
  const font = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  const stream = (data: string) => {
    if (!options.compress)
      return `<< /Length ${Buffer.byteLength(data, 'latin1')} >>\nstream\n${data}\nendstream`;
    const packed = deflateSync(Buffer.from(data, 'latin1')).toString('latin1');
    return `<< /Length ${Buffer.byteLength(packed, 'latin1')} /Filter /FlateDecode >>\nstream\n${packed}\nendstream`;
  };
  const pageIds: number[] = [];
  for (let i = 0; i < pageCount; i++) {
    const contentId = add(stream(i === 0 ? content : 'BT ET'));
    pageIds.push(
      add(
        `<< /Type /Page /Parent ${pagesId} 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 ${font} 0 R >> >> /Contents ${contentId} 0 R >>`,
      ),
    );
  }
  objects[catalog - 1] = `<< /Type /Catalog /Pages ${pagesId} 0 R >>`;
  objects[pagesId - 1] =
    `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pageCount} >>`;
  let out = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  if (options.padToBytes && options.padToBytes > out.length) {
    // A comment block: ignored by readers, counted by size limits.
    const filler = options.padToBytes - out.length - 200;
    if (filler > 0) out += `%${'x'.repeat(Math.max(0, filler - 2))}\n`;
  }
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

export const DEMO_INVOICE: SampleInvoice = {
  invoice_no: 'INV-2026-0042',
  invoice_date: '2026-11-20',
  due_date: '2026-12-20',
  order_no: 'PO-7781',
  company_name: 'Himalayan Traders Pvt Ltd',
  dealer_name: 'RUBI TRADERS Pvt ltd',
  seller_tax_id: '601234567',
  buyer_tax_id: '609876543',
  currency: 'NPR',
  products: [
    { sku: 'Basmati Rice 5kg', sku_code: 'RICE-5', quantity: 10, rate: 1250, unit: 'bag', hscode: '1006.30' },
    { sku: 'Sunflower Oil 1L', sku_code: 'OIL-1', quantity: 24, rate: 310.5, unit: 'btl', hscode: '1512.11' },
  ],
};
