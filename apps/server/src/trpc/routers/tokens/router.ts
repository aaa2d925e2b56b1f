import type { TRPCRouterRecord } from '@trpc/server';
import { addToken } from './add.ts';
import { tokenAudit } from './audit.ts';
import { tokenBudgetWindows } from './budget-windows.ts';
import { encryptLegacyKeys } from './encrypt-legacy-keys.ts';
import { getToken } from './get.ts';
import { listTokens } from './list.ts';
import { removeToken } from './remove.ts';
import { rotateToken } from './rotate.ts';
import { setTokenBudget } from './set-budget.ts';
import { setTokenExpiry } from './set-expiry.ts';
import { setTokenLimit } from './set-limit.ts';
import { setTokenStatus } from './set-status.ts';
import { verifyTokens } from './verify.ts';

export const tokensRouter = {
  list: listTokens,
  get: getToken,
  add: addToken,
  rotate: rotateToken,
  setStatus: setTokenStatus,
  setLimit: setTokenLimit,
  setExpiry: setTokenExpiry,
  setBudget: setTokenBudget,
  budgetWindows: tokenBudgetWindows,
  remove: removeToken,
  encryptLegacyKeys,
  audit: tokenAudit,
  verify: verifyTokens,
} satisfies TRPCRouterRecord;
