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
import { type IdempotencyRecords, IdempotencyStore } from './idempotency.ts';
import { ResultCache, type ResultStore } from './result-cache.ts';
import { SingleFlight } from './single-flight.ts';

/**
 * What lives as long as the process: the model adapter, one circuit breaker per key (a breaker
 * only works if the same one sees every call), the per-attempt timeout, the extractions in
 * flight (identical uploads share one), and the result cache and idempotency records (in the
 * database when the server passes its stores; in memory otherwise).
 */
export interface ExtractionRuntime {
  readonly model: InvoiceModel;
  readonly options: ExtractionOptions;
  readonly attemptTimeout: TimeoutPolicy;
  readonly cache: ResultStore<ExtractionResult>;
  readonly idempotency: IdempotencyRecords<ExtractionResult>;
  /** Extractions in flight in this process, by company and file hash. */
  readonly inFlight: SingleFlight<ExtractionResult>;
  breakerFor(tokenId: number): CircuitBreakerPolicy;
  /** Breaker state per key, for /metrics. */
  breakerStates(): Array<{ tokenId: number; state: 'closed' | 'open' | 'half-open' | 'isolated' }>;
  /** Called each time a key's circuit opens in this process (the server raises an alert). */
  onCircuitOpen(listener: (tokenId: number) => void): void;
  random: () => number;
}

export interface ResultStores {
  cache?: ResultStore<ExtractionResult> | undefined;
  idempotency?: IdempotencyRecords<ExtractionResult> | undefined;
}

export function createExtractionRuntime(
  model: InvoiceModel,
  options: ExtractionOptions,
  random: () => number = Math.random,
  stores: ResultStores = {},
): ExtractionRuntime {
  const breakers = new Map<number, CircuitBreakerPolicy>();
  const openListeners: Array<(tokenId: number) => void> = [];
  // Only failures that say "the provider is unwell" open a key's circuit, not a bad request.
  const unwell = handleWhen((error) => classifyFailure(error, '').kind === 'transient');
  return {
    model,
    options,
    random,
    attemptTimeout: timeout(options.attemptTimeoutMs, TimeoutStrategy.Aggressive),
    cache: stores.cache ?? new ResultCache(options.cacheTtlMs, options.cacheMaxEntries),
    idempotency: stores.idempotency ?? new IdempotencyStore(options.idempotencyTtlMs),
    inFlight: new SingleFlight(),
    breakerFor(tokenId) {
      let breaker = breakers.get(tokenId);
      if (!breaker) {
        breaker = circuitBreaker(unwell, {
          halfOpenAfter: options.breakerHalfOpenAfterMs,
          breaker: new ConsecutiveBreaker(options.breakerConsecutiveFailures),
        });
        breaker.onBreak(() => {
          for (const listener of openListeners) listener(tokenId);
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
    onCircuitOpen(listener) {
      openListeners.push(listener);
    },
  };
}
