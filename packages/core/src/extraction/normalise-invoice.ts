import {
  HEADER_DATE_FIELDS,
  HEADER_TEXT_FIELDS,
  type Invoice,
  PRODUCT_NUMBER_FIELDS,
  PRODUCT_TEXT_FIELDS,
  type Product,
  TOTAL_FIELDS,
} from './invoice-schema.ts';

export interface InvoiceWarning {
  code: string;
  message: string;
  field?: string;
  expected?: number;
  actual?: number;
}

type Raw = Record<string, unknown>;

/**
 * Turns a model reply into an Invoice: every field present, numbers as numbers, dates as
 * YYYY-MM-DD, missing values null. Values it cannot read become null with a warning; nothing is
 * "corrected" (the old service divided round thousands by 1000, which is a bug).
 */
export function normaliseInvoice(raw: Raw): { invoice: Invoice; warnings: InvoiceWarning[] } {
  const warnings: InvoiceWarning[] = [];
  const out: Record<string, unknown> = {};
  for (const f of HEADER_TEXT_FIELDS) out[f] = asText(raw[f]);
  for (const f of HEADER_DATE_FIELDS) out[f] = asDate(raw[f], f, warnings);
  for (const f of TOTAL_FIELDS) out[f] = asNumber(raw[f], f, warnings);
  const rows = Array.isArray(raw.products) ? (raw.products as Raw[]) : [];
  out.products = rows
    .map((row, i) => {
      const product: Record<string, unknown> = {};
      for (const f of PRODUCT_TEXT_FIELDS) product[f] = asText(row[f]);
      for (const f of PRODUCT_NUMBER_FIELDS) product[f] = asNumber(row[f], `products[${i}].${f}`, warnings);
      return product as Product;
    })
    // A row with no description, code or serial number is noise the model picked up (the old rule).
    .filter((p) => p.sku !== null || p.sku_code !== null || p.sno !== null);
  return { invoice: out as Invoice, warnings };
}

function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  return text === '' ? null : text;
}

/** Numbers pass; numeric text uses "." as the decimal point and "," as a thousands separator. */
function asNumber(value: unknown, field: string, warnings: InvoiceWarning[]): number | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  const text = String(value).trim();
  const match = /^[^\d-]*(-?\d[\d,]*(?:\.\d+)?)\D*$/.exec(text);
  if (match) return Number(match[1]!.replace(/,/g, ''));
  warnings.push({
    code: 'UNREADABLE_NUMBER',
    field,
    message: `${field} is not a number: ${JSON.stringify(text.slice(0, 40))}`,
  });
  return null;
}

function asDate(value: unknown, field: string, warnings: InvoiceWarning[]): string | null {
  const text = asText(value);
  if (text === null) return null;
  const iso = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T\s].*)?$/.exec(text);
  if (iso) {
    const [, y, m, d] = iso as unknown as [string, string, string, string];
    const date = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
    if (
      !Number.isNaN(Date.parse(`${date}T00:00:00Z`)) &&
      new Date(`${date}T00:00:00Z`).toISOString().startsWith(date)
    )
      return date;
  }
  warnings.push({
    code: 'UNREADABLE_DATE',
    field,
    message: `${field} is not a YYYY-MM-DD date: ${JSON.stringify(text.slice(0, 40))}`,
  });
  return null;
}
