import { z } from 'zod';

// The old service's field names, so existing callers keep working, plus what a buyer needs
// (tax ids, currency). Every field is present in the output; null means "not on the document".

export const HEADER_TEXT_FIELDS = [
  'order_no',
  'invoice_no',
  'delivery_note',
  'vehicle_no',
  'transporter',
  'dealer_name',
  'pws_no',
  'company_name',
  'transaction_type',
  /** The Nepali (Bikram Sambat) date as printed: not convertible to ISO without a calendar. */
  'invoice_miti',
  'seller_tax_id',
  'buyer_tax_id',
  'currency',
] as const;
export const HEADER_DATE_FIELDS = ['date', 'transaction_date', 'due_date', 'invoice_date'] as const;
export const TOTAL_FIELDS = [
  'sub_total',
  'discount_total',
  'taxable_value',
  'vat_total',
  'total_amount',
] as const;
export const PRODUCT_TEXT_FIELDS = ['sku', 'sku_code', 'batch', 'sno', 'hscode', 'unit'] as const;
export const PRODUCT_NUMBER_FIELDS = [
  'quantity',
  'shortage',
  'breakage',
  'leakage',
  'rate',
  'discount',
  'mrp',
  'vat',
  'altQty',
] as const;

const text = z.string().nullable();
const number = z.number().nullable();
const isoDate = z.string().nullable().describe('ISO-8601 date, YYYY-MM-DD');

const fields = <K extends string, T extends z.ZodType>(names: readonly K[], type: T) =>
  Object.fromEntries(names.map((n) => [n, type])) as Record<K, T>;

export const ProductSchema = z.object({
  ...fields(PRODUCT_TEXT_FIELDS, text),
  ...fields(PRODUCT_NUMBER_FIELDS, number),
});

/** The invoice as the gateway returns it. */
export const InvoiceSchema = z.object({
  ...fields(HEADER_TEXT_FIELDS, text),
  ...fields(HEADER_DATE_FIELDS, isoDate),
  ...fields(TOTAL_FIELDS, number),
  products: z.array(ProductSchema),
});

export type Invoice = z.infer<typeof InvoiceSchema>;
export type Product = z.infer<typeof ProductSchema>;

const looseScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]).optional();

/**
 * What a model reply must look like to be worth normalising: a JSON object whose fields are
 * scalars and whose products are objects. Anything else is invalid output (retried once).
 */
export const ModelReplySchema = z
  .object({ products: z.array(z.record(z.string(), looseScalar)).nullable().optional() })
  .catchall(looseScalar);
