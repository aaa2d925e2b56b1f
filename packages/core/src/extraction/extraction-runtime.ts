import {
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type TimeoutPolicy,
  TimeoutStrategy,
  timeout,
} from 'cockatiel';
import { classifyFailure } from './classify-failure.ts';
import type { ExtractionOptions } from './extraction-options.ts';
import type { ExtractionResult } from './extraction-result.ts';
import type { InvoiceModel } from './gemini-provider.ts';
import { IdempotencyStore } from './idempotency.ts';
import { ResultCache } from './result-cache.ts';

/**
 * What lives as long as the process: the model adapter, one circuit breaker per key (a breaker
 * only works if the same one sees every call), the per-attempt timeout, the result cache and
 * the idempotency store.
 */
export interface ExtractionRuntime {
  readonly model: InvoiceModel;
  readonly options: ExtractionOptions;
  readonly attemptTimeout: TimeoutPolicy;
  readonly cache: ResultCache<ExtractionResult>;
  readonly idempotency: IdempotencyStore<ExtractionResult>;
  breakerFor(tokenId: number): CircuitBreakerPolicy;
  /** Breaker state per key, for /metrics. */
  breakerStates(): Array<{ tokenId: number; state: 'closed' | 'open' | 'half-open' | 'isolated' }>;
  random: () => number;
}

export function createExtractionRuntime(
  model: InvoiceModel,
  options: ExtractionOptions,
  random: () => number = Math.random,
): ExtractionRuntime {
  const breakers = new Map<number, CircuitBreakerPolicy>();
  // Only failures that say "the provider is unwell" open a key's circuit, not a bad request.
  const unwell = handleWhen((error) => classifyFailure(error, '').kind === 'transient');
  return {
    model,
    options,
    random,
    attemptTimeout: timeout(options.attemptTimeoutMs, TimeoutStrategy.Aggressive),
    cache: new ResultCache(options.cacheTtlMs, options.cacheMaxEntries),
    idempotency: new IdempotencyStore(options.idempotencyTtlMs),
    breakerFor(tokenId) {
      let breaker = breakers.get(tokenId);
      if (!breaker) {
        breaker = circuitBreaker(unwell, {
          halfOpenAfter: options.breakerHalfOpenAfterMs,
          breaker: new ConsecutiveBreaker(options.breakerConsecutiveFailures),
        });
        breakers.set(tokenId, breaker);
      }
      return breaker;
    },
    breakerStates() {
      const names = {
        [CircuitState.Closed]: 'closed',
        [CircuitState.Open]: 'open',
        [CircuitState.HalfOpen]: 'half-open',
        [CircuitState.Isolated]: 'isolated',
      } as const;
      return [...breakers].map(([tokenId, b]) => ({ tokenId, state: names[b.state] }));
    },
  };
}
