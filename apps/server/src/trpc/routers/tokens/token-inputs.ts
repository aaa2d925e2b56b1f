import { z } from 'zod';

// Shared input pieces of the tokens.* procedures (each procedure keeps its own schema).
export const TokenId = z.coerce.number().int().positive();
export const Reason = z.string().trim().max(1000).optional();
export const IsoDateTime = z.iso.datetime({ offset: true });
