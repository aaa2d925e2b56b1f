// A small Prometheus registry: counters and histograms with labels, rendered as text 0.0.4.

import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

type Labels = Record<string, string | number>;

const key = (labels: Labels) =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

class Counter {
  readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} counter`,
      ...[...this.values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ''} ${v}`),
    ];
  }
}

class Histogram {
  readonly series = new Map<string, { buckets: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: number[],
  ) {}
  observe(labels: Labels, value: number): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { buckets: this.bounds.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    this.bounds.forEach((b, i) => {
      if (value <= b) s.buckets[i]! += 1;
    });
    s.sum += value;
    s.count += 1;
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const sep = k ? `${k},` : '';
      this.bounds.forEach((b, i) => {
        lines.push(`${this.name}_bucket{${sep}le="${b}"} ${s.buckets[i]}`);
      });
      lines.push(
        `${this.name}_bucket{${sep}le="+Inf"} ${s.count}`,
        `${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`,
        `${this.name}_count${k ? `{${k}}` : ''} ${s.count}`,
      );
    }
    return lines;
  }
}

/**
 * Event-loop delay since the previous scrape (as prom-client's nodejs_eventloop_lag_*): sampled
 * from the first scrape on, so servers nobody scrapes (tests) run no sampler.
 */
class EventLoopDelay {
  private histogram: IntervalHistogram | undefined;
  render(): string[] {
    const h = this.histogram;
    if (!h) {
      // 10 ms resolution: fine enough for a 50 ms p99 target, cheap enough to leave on.
      this.histogram = monitorEventLoopDelay({ resolution: 10 });
      this.histogram.enable();
    }
    const seconds = (ns: number | undefined) => (h && h.count > 0 && ns ? ns / 1e9 : 0);
    const lines = [
      '# HELP igw_event_loop_delay_p99_seconds Event-loop delay p99 since the previous scrape (0 on the first)',
      '# TYPE igw_event_loop_delay_p99_seconds gauge',
      `igw_event_loop_delay_p99_seconds ${seconds(h?.percentile(99))}`,
      '# HELP igw_event_loop_delay_max_seconds Longest event-loop delay since the previous scrape (0 on the first)',
      '# TYPE igw_event_loop_delay_max_seconds gauge',
      `igw_event_loop_delay_max_seconds ${seconds(h?.max)}`,
    ];
    h?.reset();
    return lines;
  }
}

export function createMetrics() {
  return {
    httpRequests: new Counter('igw_http_requests_total', 'HTTP requests by method, route and status'),
    httpDuration: new Histogram(
      'igw_http_request_duration_seconds',
      'HTTP request latency',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    ),
    extractions: new Counter(
      'igw_extractions_total',
      'Extractions by outcome (ok, cached, replay, or the error code)',
    ),
    retries: new Counter('igw_provider_failed_attempts_total', 'Failed provider attempts by error code'),
    tokens: new Counter('igw_tokens_charged_total', 'Tokens charged by company and key hint'),
    presumedTokens: new Counter(
      'igw_tokens_presumed_total',
      'Tokens charged as presumed usage (a dispatched provider call that never answered, or whose process died before it settled), by company and source (attempt or sweep)',
    ),
    dbWait: new Histogram(
      'igw_db_wait_seconds',
      'Time spent acquiring a key (database reads and the hold, lock waits included) before a provider call',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    ),
    refusedBeforeDispatch: new Counter(
      'igw_refused_before_dispatch_total',
      'Requests refused before a provider call because too little of the deadline was left, by where the time went',
    ),
    eventLoopDelay: new EventLoopDelay(),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Renders counters plus gauges read at scrape time. */
export function renderMetrics(
  metrics: Metrics,
  gauges: Array<{ name: string; help: string; values: Array<{ labels?: Labels; value: number }> }>,
): string {
  const lines = Object.values(metrics).flatMap((m) => m.render());
  for (const g of gauges) {
    lines.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`);
    for (const v of g.values)
      lines.push(
        `${g.name}${v.labels && Object.keys(v.labels).length ? `{${key(v.labels)}}` : ''} ${v.value}`,
      );
  }
  return `${lines.join('\n')}\n`;
}
