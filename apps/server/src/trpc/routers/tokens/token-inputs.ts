import { isDateInRange } from '@invoicegw/core';
import { z } from 'zod';

// Shared input pieces of the tokens.* procedures (each procedure keeps its own schema).
/** Row ids are SQL Server INTs. */
export const RowId = z.coerce.number().int().positive().max(2_147_483_647);
export const TokenId = RowId;
/** Paging offsets: SQL Server's OFFSET takes a BIGINT, no page is that far. */
export const Offset = z.coerce.number().int().min(0).max(2_147_483_647);
export const Reason = z.string().trim().max(1000).optional();
/** What SQL Server's DATETIME and DATETIME2 both hold (core checks the same range). */
export const IsoDateTime = z.iso
  .datetime({ offset: true })
  // (An unreadable date is already refused by the format check.)
  .refine((v) => Number.isNaN(Date.parse(v)) || isDateInRange(new Date(v)), {
    message: 'must be between 1753-01-01 and 9999-12-31 (UTC)',
  });
/** Token counts fit SQL Server's INT. */
export const TokenCount = z.number().int().min(0).max(2_000_000_000);
