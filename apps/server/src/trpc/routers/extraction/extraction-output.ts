import { type ExtractionResult, InvoiceSchema, ProductSchema } from '@invoicegw/core';
import { z } from 'zod';
import { CountOut, shapeOf } from '../../../openapi/output-shape.ts';

/** core's invoice schema, named for the OpenAPI document (the same fields, every one present, null when not on the document). */
export const InvoiceOut = InvoiceSchema.extend({
  products: z.array(ProductSchema.meta({ id: 'Product', description: 'One invoice line' })),
}).meta({ id: 'Invoice', description: 'The invoice: every field present, null when not on the document' });

export const ExtractionResultSchema = shapeOf<ExtractionResult>()(
  z
    .object({
      requestId: z.string().describe("The server's id for this request (also in X-Request-Id)"),
      data: InvoiceOut,
      warnings: z
        .array(
          z.object({
            code: z.string(),
            message: z.string(),
            field: z.string().optional(),
            expected: z.number().optional(),
            actual: z.number().optional(),
          }),
        )
        .describe('Values that could not be read, or totals that do not add up'),
      usage: z
        .object({
          promptTokens: CountOut,
          outputTokens: CountOut,
          thoughtsTokens: CountOut,
          totalTokens: CountOut,
        })
        .describe('What this request cost; zero for a cache hit or a replay'),
      keyHint: z.string().nullable(),
      attempts: z.array(
        z.object({
          attempt: z.number().int().min(1),
          keyHint: z.string(),
          outcome: z.enum(['success', 'failed']),
          errorCode: z.string().optional(),
          httpStatus: z.number().int().nullable().optional(),
          delayMs: z.number().optional().describe('The wait before the next attempt'),
        }),
      ),
      cached: z.boolean(),
      idempotentReplay: z.boolean(),
      model: z.string(),
      file: z.object({
        mimeType: z.string(),
        sizeBytes: CountOut,
        pages: CountOut,
        sha256: z.string(),
      }),
    })
    .meta({ id: 'ExtractionResult' }),
);
