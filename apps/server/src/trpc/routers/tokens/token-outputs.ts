import type { RotateTokenResult, TokenView } from '@invoicegw/core';
import { type AuditEntry, TOKEN_HEALTH, TOKEN_STATUSES } from '@invoicegw/db';
import { z } from 'zod';
import { CountOut, Instant, RowIdOut, shapeOf } from '../../../openapi/output-shape.ts';

// Shared output pieces of the tokens.* procedures: what operators see of a key (never the key).

export const TokenViewSchema = shapeOf<TokenView>()(
  z
    .object({
      tokenId: RowIdOut,
      companyId: z.string(),
      companyName: z.string().nullable(),
      keyHint: z.string().nullable().describe('The first and last characters of the key, e.g. AIza…xxx'),
      provider: z.string(),
      totalTokenLimit: CountOut,
      status: z.string().describe(`One of ${TOKEN_STATUSES.join(', ')}`),
      statusReason: z.string().nullable(),
      expiresAt: Instant.nullable(),
      retiresAt: Instant.nullable().describe('When a rotated-out key stops serving'),
      cooldownUntil: Instant.nullable(),
      rotatedFromTokenId: RowIdOut.nullable(),
      budgetPeriod: z.string().describe('none, daily, weekly or monthly: when totalTokenLimit starts over'),
      budgetTimeZone: z.string().describe('IANA time zone whose midnight starts a budget window'),
      lastVerifiedAt: Instant.nullable().describe('When Gemini was last asked about the key'),
      lastVerifyResult: z
        .string()
        .nullable()
        .describe(
          'What it said: `state code: reason` (ok OK, rejected API_KEY_INVALID: …, quota …, unreachable …)',
        ),
      deletedAt: Instant.nullable(),
      createdAt: Instant,
      updatedAt: Instant.nullable(),
      usage: z
        .object({
          used: CountOut,
          reserved: CountOut.describe('Held by requests in flight'),
          remaining: CountOut,
          available: CountOut.describe('remaining less reserved'),
          threshold: CountOut,
          requests: CountOut,
          lastUsedAt: Instant.nullable(),
        })
        .nullable(),
      health: z
        .string()
        .nullable()
        .describe(`One of ${TOKEN_HEALTH.join(', ')}; null for a removed key`),
      window: z
        .object({
          startedAt: Instant,
          nextResetAt: Instant.describe('When the usage figures start over at 0'),
          carriedTokens: CountOut.describe('Part of used carried from the key this one was rotated from'),
        })
        .nullable()
        .describe('The current budget window (usage is this window); null without a budget period'),
      warnings: z
        .array(z.string())
        .optional()
        .describe('What the operator should know about the change just made'),
    })
    .meta({
      id: 'TokenView',
      description: 'A key as operators see it: settings and quota figures, never the key',
    }),
);

export const RotateTokenResultSchema = shapeOf<RotateTokenResult>()(
  z
    .object({
      previous: TokenViewSchema,
      current: TokenViewSchema,
      alreadyRotated: z.boolean().describe('This exact rotation had already been done: nothing changed'),
    })
    .meta({ id: 'RotateTokenResult' }),
);

export const AuditEntrySchema = shapeOf<AuditEntry>()(
  z
    .object({
      auditId: RowIdOut,
      tokenId: RowIdOut.nullable(),
      companyId: z.string().nullable(),
      action: z.string(),
      actor: z.string(),
      reason: z.string().nullable(),
      before: z.unknown().describe('The key before the change (JSON)'),
      after: z.unknown().describe('The key after the change (JSON)'),
      requestId: z.string().nullable(),
      createdAt: Instant,
    })
    .meta({ id: 'AuditEntry' }),
);
