import { FairQueue } from '@invoicegw/core';
import { ServerError } from '../errors/error-table.ts';

const isBusy = (error: unknown) => error instanceof ServerError && error.code === 'COMPANY_BUSY';

/**
 * The per-company concurrency limit of this replica (COMPANY_CONCURRENCY), with a fair line:
 * a request over the limit waits, in arrival order, for a slot to free rather than being
 * refused at once, until its bound (QUOTA_WAIT_MS, and its deadline less MIN_DISPATCH_MS).
 * The counts are `inFlight`, which /metrics shows.
 */
export class CompanySlots {
  // Slots are freed in this process only: a release wakes the line, the poll is a safety net.
  private readonly line = new FairQueue({ pollMinMs: 500, pollMaxMs: 1000 });

  constructor(
    private readonly inFlight: Map<string, number>,
    private readonly limit: number,
  ) {}

  /** A slot for one extraction of `companyId`; call the function returned to give it back (once). */
  async take(companyId: string, until: number): Promise<() => void> {
    try {
      const { value } = await this.line.run(companyId, async () => this.takeNow(companyId), isBusy, until);
      return value;
    } catch (error) {
      if (!isBusy(error)) throw error;
      throw new ServerError(
        'COMPANY_BUSY',
        `Company ${companyId} already has ${this.inFlight.get(companyId) ?? 0} extractions in flight, and no slot freed in time; retry shortly`,
        { retryAfterSeconds: 1 },
      );
    }
  }

  private takeNow(companyId: string): () => void {
    const active = this.inFlight.get(companyId) ?? 0;
    if (active >= this.limit) {
      throw new ServerError(
        'COMPANY_BUSY',
        `Company ${companyId} already has ${active} extractions in flight`,
        {
          retryAfterSeconds: 1,
        },
      );
    }
    this.inFlight.set(companyId, active + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(companyId) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(companyId);
      else this.inFlight.set(companyId, left);
      this.line.wake(companyId);
    };
  }
}
