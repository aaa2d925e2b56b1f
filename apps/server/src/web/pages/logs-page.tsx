/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { utcSeconds } from '../format.ts';

/** A log row as the tail shows it (and as /ui/logs.json sends it). */
export interface TailRow {
  logId: number;
  time: string;
  level: string;
  logger: string;
  companyId: string;
  message: string;
  requestId: string;
}

export const toTailRow = (r: {
  logId: number;
  timestamp: string;
  level: string | null;
  logger: string | null;
  companyId: string | null;
  message: string | null;
  requestId: string | null;
}): TailRow => ({
  logId: r.logId,
  time: utcSeconds(r.timestamp),
  level: r.level ?? '',
  logger: r.logger ?? '',
  companyId: r.companyId ?? '',
  message: r.message ?? '',
  requestId: r.requestId ?? '',
});

export const TAIL_LEVELS = {
  all: 'every level',
  warning: 'WARNING and worse',
  error: 'ERROR and worse',
} as const;
export type TailLevel = keyof typeof TAIL_LEVELS;

export interface LogsPageProps {
  rows: readonly TailRow[];
  cursor: number;
  level: TailLevel;
  company?: string | undefined;
  search?: string | undefined;
  own: boolean;
  /** The same filters, as the query string the tail script sends. */
  query: string;
  intervalMs: number;
}

/** ApplicationLogs, newest on top, followed every few seconds. */
export function LogsPage({ rows, cursor, level, company, search, own, query, intervalMs }: LogsPageProps) {
  return (
    <>
      <h1>Log tail</h1>
      <form class="card row" method="get" action="/ui/logs">
        <div>
          <label for="logs-level">Level</label>
          <select id="logs-level" name="level">
            {Object.entries(TAIL_LEVELS).map(([value, label]) => (
              <option value={value} selected={value === level}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="logs-company">Company</label>
          <input id="logs-company" name="company" type="text" maxlength={50} value={company ?? ''} />
        </div>
        <div>
          <label for="logs-search">Message contains</label>
          <input id="logs-search" name="search" type="search" maxlength={200} value={search ?? ''} />
        </div>
        <div>
          <label class="check" for="logs-own">
            <input id="logs-own" name="own" type="checkbox" value="1" checked={own} />
            Show the dashboard's own requests
          </label>
        </div>
        <div>
          <button type="submit" class="secondary">
            Apply
          </button>
        </div>
      </form>
      <p id="tail-status" class="muted" role="status" aria-live="polite">
        Following every {Math.round(intervalMs / 1000)} s (without JavaScript the page reloads itself).
      </p>
      <div class="table-wrap">
        <table>
          <caption class="muted">Newest first; times in UTC.</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Level</th>
              <th scope="col">Logger</th>
              <th scope="col">Company</th>
              <th scope="col">Message</th>
              <th scope="col">Request</th>
            </tr>
          </thead>
          <tbody
            id="log-rows"
            data-after-id={String(cursor)}
            data-query={query}
            data-interval-ms={String(intervalMs)}
          >
            {rows.map((r) => (
              <tr>
                <td>{r.time}</td>
                <td class={`level-${r.level}`}>{r.level}</td>
                <td>{r.logger}</td>
                <td>{r.companyId}</td>
                <td class="msg">{r.message}</td>
                <td class="muted">{r.requestId}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
