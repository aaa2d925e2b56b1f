/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Caller } from '../caller.ts';
import { RangeFields } from '../components/range-field.tsx';
import { int, utc } from '../format.ts';

type Out<F> = F extends (...args: never[]) => Promise<infer R> ? R : never;
export type RecentErrorRow = Out<Caller['monitoring']['recentErrors']>[number];
export type RetryStats = Out<Caller['monitoring']['retryStats']>;

export const ERROR_RANGES = [1, 7, 30] as const;

export interface ErrorsPageProps {
  errors: readonly RecentErrorRow[];
  retries: RetryStats;
  range: number;
}

/** The latest ERROR/CRITICAL logs, failed provider attempts by code, and requests that gave up. */
export function ErrorsPage({ errors, retries, range }: ErrorsPageProps) {
  return (
    <>
      <h1>Errors and failed attempts</h1>
      <section aria-labelledby="recent">
        <h2 id="recent">Recent errors</h2>
        {errors.length === 0 ? (
          <p class="muted">No ERROR or CRITICAL log rows.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Level</th>
                  <th scope="col">Logger</th>
                  <th scope="col">Company</th>
                  <th scope="col">Message</th>
                  <th scope="col">Request</th>
                </tr>
              </thead>
              <tbody>
                {errors.slice(0, 100).map((e) => (
                  <tr>
                    <td>{utc(e.timestamp)}</td>
                    <td class={`level-${e.level}`}>{e.level}</td>
                    <td>{e.logger ?? ''}</td>
                    <td>{e.companyId ?? ''}</td>
                    <td class="msg">{e.message ?? ''}</td>
                    <td class="muted">{e.requestId ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="attempts">
        <h2 id="attempts">Failed provider attempts by error, last {range} day(s)</h2>
        <form class="row" method="get" action="/ui/errors">
          <RangeFields id="errors-range" ranges={ERROR_RANGES} range={range} />
        </form>
        {retries.byError.length === 0 ? (
          <p class="muted">No failed attempts in this range.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Error code</th>
                  <th scope="col" class="num">
                    HTTP
                  </th>
                  <th scope="col" class="num">
                    Attempts
                  </th>
                  <th scope="col" class="num">
                    Retried
                  </th>
                  <th scope="col" class="num">
                    Final
                  </th>
                </tr>
              </thead>
              <tbody>
                {retries.byError.map((r) => (
                  <tr>
                    <th scope="row">{r.errorCode}</th>
                    <td class="num">{r.httpStatus ?? '—'}</td>
                    <td class="num">{int(r.attempts)}</td>
                    <td class="num">{int(r.retryable)}</td>
                    <td class="num">{int(r.final)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="gave-up">
        <h2 id="gave-up">Requests that gave up</h2>
        {retries.failedRequests.length === 0 ? (
          <p class="muted">None.</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Last attempt</th>
                  <th scope="col">Request</th>
                  <th scope="col">Company</th>
                  <th scope="col" class="num">
                    Attempts
                  </th>
                  <th scope="col" class="num">
                    Keys tried
                  </th>
                  <th scope="col">Last error</th>
                </tr>
              </thead>
              <tbody>
                {retries.failedRequests.slice(0, 100).map((f) => (
                  <tr>
                    <td>{utc(f.lastAttemptAt)}</td>
                    <td class="muted">{f.requestId}</td>
                    <td>{f.companyId ?? ''}</td>
                    <td class="num">{int(f.attempts)}</td>
                    <td class="num">{int(f.keysTried)}</td>
                    <td class="msg">
                      {f.lastErrorCode ?? ''} {f.lastHttpStatus ? `(${f.lastHttpStatus})` : ''}
                      <div class="muted">{f.lastErrorMessage ?? ''}</div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
