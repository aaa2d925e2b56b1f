/**
 * One piece of work per key at a time in this process: a caller that arrives while the work is
 * in flight shares its outcome (result or error) instead of starting it again. Nothing is kept
 * once it settles; results are kept by the result cache, not here.
 */
export class SingleFlight<T> {
  readonly #flights = new Map<string, Promise<T>>();

  /** Keys in flight now. */
  get size(): number {
    return this.#flights.size;
  }

  async run(key: string, work: () => Promise<T>): Promise<{ result: T; shared: boolean }> {
    const inFlight = this.#flights.get(key);
    if (inFlight) return { result: await inFlight, shared: true };
    const flight = (async () => work())();
    this.#flights.set(key, flight);
    try {
      return { result: await flight, shared: false };
    } finally {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    }
  }
}
