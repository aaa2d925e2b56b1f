import type { Invoice } from './invoice-schema.ts';
import type { InvoiceWarning } from './normalise-invoice.ts';

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Differences below one currency unit or half a percent are rounding, not errors. */
function differs(expected: number, actual: number): boolean {
  return Math.abs(expected - actual) > Math.max(1, Math.abs(expected) * 0.005);
}

/**
 * Arithmetic the document should satisfy. Each failed check is a warning for a human to look
 * at; no value is changed.
 */
export function checkInvoiceArithmetic(invoice: Invoice): InvoiceWarning[] {
  const warnings: InvoiceWarning[] = [];
  const check = (code: string, message: string, expected: number | null, actual: number | null) => {
    if (expected === null || actual === null) return;
    if (differs(expected, actual))
      warnings.push({ code, message, expected: round2(expected), actual: round2(actual) });
  };
  const priced = invoice.products.filter((p) => p.quantity !== null && p.rate !== null);
  const lineSum = priced.length > 0 ? priced.reduce((s, p) => s + p.quantity! * p.rate!, 0) : null;
  check(
    'SUBTOTAL_MISMATCH',
    'Σ quantity × rate of the lines does not match sub_total',
    lineSum,
    invoice.sub_total,
  );
  const discount = invoice.discount_total === null ? 0 : Math.abs(invoice.discount_total);
  check(
    'TAXABLE_MISMATCH',
    'sub_total − discount_total does not match taxable_value',
    invoice.sub_total === null ? null : invoice.sub_total - discount,
    invoice.taxable_value,
  );
  check(
    'TOTAL_MISMATCH',
    'taxable_value + vat_total does not match total_amount',
    invoice.taxable_value === null || invoice.vat_total === null
      ? null
      : invoice.taxable_value + invoice.vat_total,
    invoice.total_amount,
  );
  const lineDiscounts = invoice.products.filter((p) => p.discount !== null);
  if (lineDiscounts.length > 0 && invoice.discount_total !== null) {
    check(
      'DISCOUNT_SUM_MISMATCH',
      'Σ line discounts does not match discount_total',
      lineDiscounts.reduce((s, p) => s + Math.abs(p.discount!), 0),
      discount,
    );
  }
  const lineVat = invoice.products.filter((p) => p.vat !== null);
  if (lineVat.length > 0) {
    check(
      'VAT_SUM_MISMATCH',
      'Σ line VAT does not match vat_total',
      lineVat.reduce((s, p) => s + p.vat!, 0),
      invoice.vat_total,
    );
  }
  return warnings;
}
