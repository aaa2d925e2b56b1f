import { chooseKey } from './choose-key.ts';
import { type LedgerOptions, outputFloor } from './ledger-options.ts';

/**
 * The part of a hold that is the output cap, which may be cut down on a key with little left:
 * the provider cannot produce more than the cap it is sent (plus the thinking budget, held in
 * full), so a hold of prompt + thinking + the cut cap is still an upper bound on the call.
 */
export interface OutputShare {
  /** The full cap, included in the request's `tokens`. */
  cap: number;
  /** The least cap worth sending: below it, the key cannot serve the request. */
  floor: number;
}

/** The ledger's output cap and floor: what acquireTimed passes with every extraction's hold. */
export function outputShare(options: LedgerOptions): OutputShare {
  return { cap: options.maxOutputTokens, floor: outputFloor(options) };
}

/** What a key must have available to serve the request: all of `tokens` without a share, else its floor. */
export function leastHold(request: { tokens: number; output?: OutputShare | undefined }): number {
  const { tokens, output } = request;
  if (!output) return tokens;
  return tokens - output.cap + Math.min(output.floor, output.cap);
}

export interface Grant {
  /** What is held: the whole request, or prompt + thinking + a cut output cap. */
  tokens: number;
  /** The output cap to send with the call; undefined without a share (the model's own cap). */
  maxOutputTokens: number | undefined;
}

/**
 * What to hold on a key with `available` tokens (limit − used − reserved): the whole request
 * when it fits, otherwise everything the key has left as long as that covers the least hold.
 * undefined when it cannot serve the request now.
 */
export function grantFor(
  available: number,
  request: { tokens: number; output?: OutputShare | undefined },
): Grant | undefined {
  const { tokens, output } = request;
  if (available >= tokens) return { tokens, maxOutputTokens: output?.cap };
  if (!output || available < leastHold(request)) return undefined;
  const fixed = tokens - output.cap;
  return { tokens: available, maxOutputTokens: available - fixed };
}

/**
 * Chooses a key that can hold the whole request (weighted by what each has left); only when
 * none can, one that can hold at least its least hold, so a budget's tail is spent last.
 */
export function chooseKeyFor<C extends { tokenId: number; available: number }>(
  candidates: readonly C[],
  request: { tokens: number; output?: OutputShare | undefined },
  random?: () => number,
): C | undefined {
  return chooseKey(candidates, request.tokens, random) ?? chooseKey(candidates, leastHold(request), random);
}
