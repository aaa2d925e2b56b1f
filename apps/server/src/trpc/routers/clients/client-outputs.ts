import type { ClientKeyInfo } from '@invoicegw/db';
import { z } from 'zod';
import { Instant, RowIdOut, shapeOf } from '../../../openapi/output-shape.ts';

/** A client key as operators see it: its hint, never the key. */
export const ClientKeySchema = shapeOf<ClientKeyInfo>()(
  z
    .object({
      clientKeyId: RowIdOut,
      companyId: z.string(),
      keyHint: z.string(),
      label: z.string().nullable(),
      createdAt: Instant,
      lastUsedAt: Instant.nullable(),
      revokedAt: Instant.nullable(),
    })
    .meta({ id: 'ClientKey' }),
);
