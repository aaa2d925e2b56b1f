/** A job run on a timer, one run at a time; `stop()` waits for the run in progress. */
export interface PeriodicJob<T> {
  /** The first run (rejects when it fails, so a start-up can refuse); undefined when it waits an interval. */
  ready: Promise<T | undefined>;
  stop(): Promise<void>;
}

/**
 * Runs `pass` now (or after one interval) and then every `intervalMs` until stopped, never
 * keeping the process alive. A tick that finds a run still going is skipped, so runs never
 * overlap and never queue up behind a slow one. A failing later run goes to `onError`, and the
 * next tick runs again. The shape every periodic job here shares (sweeper, pruners, alerts).
 */
export function startPeriodicJob<T>(
  pass: () => Promise<T>,
  intervalMs: number,
  onError: (error: unknown) => void,
  first: 'now' | 'after-interval' = 'now',
): PeriodicJob<T> {
  const ready: Promise<T | undefined> = first === 'now' ? pass() : Promise.resolve(undefined);
  let running: Promise<unknown> | undefined = ready.catch(onError).finally(() => {
    running = undefined;
  });
  const timer = setInterval(() => {
    if (running) return;
    running = pass()
      .catch(onError)
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    ready,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
