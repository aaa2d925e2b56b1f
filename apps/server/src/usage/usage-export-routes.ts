import { exportUsagePages, type UsageExportRow } from '@invoicegw/core';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../app-env.ts';
import { requireAdmin } from '../http/require-admin.ts';
import { IsoDateTime } from '../trpc/routers/tokens/token-inputs.ts';
import { csvHeader, csvLines } from './usage-csv.ts';

/** A day (midnight UTC) or an instant with its zone. */
const When = z.union([z.iso.date().transform((d) => `${d}T00:00:00.000Z`), IsoDateTime]);

export const usageExportQuery = z.object({
  from: When,
  to: When,
  format: z.enum(['csv', 'json']).default('csv'),
  company: z.string().trim().min(1).max(50).optional(),
});

/**
 * GET /v1/usage/export: usage per day, company, key, branch and user as CSV or a JSON array,
 * streamed. A plain route, since a tRPC answer is one JSON value. The first page is read before
 * the status is sent, so a bad period or a database down is an ordinary error answer; pages
 * after it are read only as the caller takes them (the stream's pull), so memory stays one page.
 */
export function usageExportRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/v1/usage/export', requireAdmin, async (c) => {
    const query = usageExportQuery.parse(c.req.query());
    const deps = c.get('deps');
    const pages = exportUsagePages(deps.core, {
      from: new Date(query.from),
      to: new Date(query.to),
      companyId: query.company,
    });
    const first = await pages.next();
    const csv = query.format === 'csv';
    const encoder = new TextEncoder();
    let rows = 0;
    let started = false;
    const encode = (page: UsageExportRow[]) => {
      const text = csv
        ? csvLines(page)
        : page.map((r, i) => `${started || i > 0 ? ',\n' : ''}${JSON.stringify(r)}`).join('');
      started = true;
      rows += page.length;
      return encoder.encode(text);
    };
    let pending: IteratorResult<UsageExportRow[], void> | undefined = first;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(csv ? csvHeader() : '[\n'));
      },
      async pull(controller) {
        try {
          // The database driver is synchronous: a turn of the event loop between pages, so a long
          // export never holds up extractions and health checks behind it.
          if (!pending) await new Promise((resolve) => setImmediate(resolve));
          const next = pending ?? (await pages.next());
          pending = undefined;
          if (next.done) {
            if (!csv) controller.enqueue(encoder.encode('\n]\n'));
            controller.close();
            return;
          }
          controller.enqueue(encode(next.value));
        } catch (error) {
          // The status is sent: the caller sees a cut-off body (no closing bracket in JSON).
          deps.core.logger.log(
            'ERROR',
            'http',
            `Usage export cut off after ${rows} rows: ${(error as Error)?.message}`,
            { requestId: c.get('requestId') },
          );
          controller.error(error);
        }
      },
      async cancel() {
        await pages.return();
      },
    });
    const name = `usage-${query.from.slice(0, 10)}-${query.to.slice(0, 10)}.${query.format}`;
    return c.body(body, 200, {
      'content-type': csv ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="${name}"`,
      'cache-control': 'no-store',
    });
  });
  return app;
}
