import { encryptLegacyKeys as encrypt } from '@invoicegw/core';
import { z } from 'zod';
import { actorOf, adminProcedure } from '../../init.ts';
import { Reason } from './token-inputs.ts';

export const encryptLegacyKeysInput = z.object({ reason: Reason });

export const encryptLegacyKeys = adminProcedure
  .input(encryptLegacyKeysInput)
  .mutation(({ ctx, input }) => encrypt(ctx.deps.core, actorOf(ctx, input.reason ?? 'encrypt legacy keys')));
