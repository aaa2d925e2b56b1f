import { describe, expect, it } from 'vitest';
import { startPeriodicJob } from '../src/periodic-job.ts';

describe('startPeriodicJob', () => {
  it('never overlaps runs when one is slower than the interval, and stop waits for the one going', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    let thirdStarted!: () => void;
    const third = new Promise<void>((resolve) => {
      thirdStarted = resolve;
    });
    const pass = async () => {
      active += 1;
      runs += 1;
      maxActive = Math.max(maxActive, active);
      if (runs === 3) thirdStarted();
      // Each run takes many intervals.
      await new Promise((r) => setTimeout(r, 40));
      active -= 1;
      return runs;
    };
    const job = startPeriodicJob(pass, 2, () => undefined);
    expect(await job.ready).toBe(1);
    await third;
    await job.stop();
    expect(active).toBe(0);
    expect(maxActive).toBe(1);
    const after = runs;
    await new Promise((r) => setTimeout(r, 20));
    expect(runs).toBe(after);
  });

  it('a failing run is reported and the next one still runs; a failing first run rejects ready', async () => {
    const errors: unknown[] = [];
    let n = 0;
    let secondDone!: () => void;
    const second = new Promise<void>((resolve) => {
      secondDone = resolve;
    });
    const job = startPeriodicJob(
      async () => {
        n += 1;
        if (n === 2) secondDone();
        if (n === 1) throw new Error('first fails');
        return n;
      },
      2,
      (e) => errors.push(e),
    );
    await expect(job.ready).rejects.toThrow('first fails');
    await second;
    await job.stop();
    expect(errors).toHaveLength(1);

    let ran = 0;
    const later = startPeriodicJob(
      async () => {
        ran += 1;
      },
      60_000,
      () => undefined,
      'after-interval',
    );
    expect(await later.ready).toBeUndefined();
    await later.stop();
    expect(ran).toBe(0);
  });
});
