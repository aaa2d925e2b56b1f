export interface Candidate {
  tokenId: number;
  /** Quota not yet used or held. */
  available: number;
}

/**
 * Picks one key at random, weighted by what it has left, among those that can cover `need`.
 * Weighting drains keys evenly, so one company's keys run out together rather than one by one.
 * `random` returns [0, 1), like Math.random.
 */
export function chooseKey<C extends Candidate>(
  candidates: readonly C[],
  need: number,
  random: () => number = Math.random,
): C | undefined {
  const eligible = candidates.filter((c) => c.available >= need && need >= 0);
  const total = eligible.reduce((sum, c) => sum + c.available, 0);
  if (eligible.length === 0) return undefined;
  if (total <= 0) return eligible[Math.floor(random() * eligible.length)];
  let point = random() * total;
  for (const candidate of eligible) {
    point -= candidate.available;
    if (point < 0) return candidate;
  }
  return eligible.at(-1);
}
