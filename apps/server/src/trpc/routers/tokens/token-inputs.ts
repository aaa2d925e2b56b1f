import { z } from 'zod';

// Shared input pieces of the tokens.* procedures (each procedure keeps its own schema).
export const TokenId = z.coerce.number().int().positive();
export const Reason = z.string().trim().max(1000).optional();
/** SQL Server's DATETIME parameters stop at 1753; no real expiry or report date is that old. */
export const IsoDateTime = z.iso
  .datetime({ offset: true })
  .refine((v) => Date.parse(v) >= Date.UTC(1900, 0, 1), { message: 'dates before 1900 are not accepted' });
/** Token counts fit SQL Server's INT. */
export const TokenCount = z.number().int().min(0).max(2_000_000_000);
