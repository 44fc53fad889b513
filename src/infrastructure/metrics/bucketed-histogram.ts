import { Histogram, type Registry } from 'prom-client';

/** One series of a histogram (one set of label values): keep it, and observe through it. */
export interface HistogramSeries {
  observe(value: number): void;
}

class BucketCounts implements HistogramSeries {
  /** Observations per bucket (not cumulative): counts[i] for values in (bounds[i-1], bounds[i]]. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(
    private readonly bounds: readonly number[],
    readonly labels: Readonly<Record<string, string>>,
  ) {
    this.counts = bounds.map(() => 0);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let index = 0;
    while (index < bounds.length && value > bounds[index]!) index++;
    if (index < bounds.length) this.counts[index]!++;
    this.sum += value;
    this.count++;
  }
}

export interface BucketedHistogramConfig<Label extends string> {
  name: string;
  help: string;
  labelNames: readonly Label[];
  buckets: readonly number[];
  registers: Registry[];
}

/**
 * A Prometheus histogram for hot paths: prom-client's `observe` builds and hashes a label object per call, this one
 * hands out a series per set of label values (made once) whose `observe` only counts. Exposed as any histogram is
 * (`_bucket` with `le`, `_sum`, `_count`).
 */
export class BucketedHistogram<Label extends string> extends Histogram<Label> {
  private readonly metricName: string;
  private readonly helpText: string;
  private readonly bounds: readonly number[];
  private readonly labelList: readonly Label[];
  private readonly series = new Map<string, BucketCounts>();

  constructor(config: BucketedHistogramConfig<Label>) {
    super({ name: config.name, help: config.help, labelNames: [...config.labelNames], buckets: [...config.buckets], registers: config.registers });
    this.metricName = config.name;
    this.helpText = config.help;
    this.bounds = [...config.buckets].sort((a, b) => a - b);
    this.labelList = config.labelNames;
  }

  /** The series for these label values (in `labelNames` order); the same object every time. */
  seriesFor(...values: string[]): HistogramSeries {
    const key = values.join('\u0000');
    let series = this.series.get(key);
    if (!series) {
      series = new BucketCounts(this.bounds, Object.fromEntries(this.labelList.map((name, index) => [name, values[index] ?? ''])));
      this.series.set(key, series);
    }
    return series;
  }

  override async get(): ReturnType<Histogram<Label>['get']> {
    const name = this.metricName;
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const series of this.series.values()) {
      let cumulative = 0;
      this.bounds.forEach((bound, index) => {
        cumulative += series.counts[index]!;
        values.push({ labels: { ...series.labels, le: bound }, value: cumulative, metricName: `${name}_bucket` });
      });
      values.push({ labels: { ...series.labels, le: '+Inf' }, value: series.count, metricName: `${name}_bucket` });
      values.push({ labels: series.labels, value: series.sum, metricName: `${name}_sum` });
      values.push({ labels: series.labels, value: series.count, metricName: `${name}_count` });
    }
    return asPromClientMetric<Label>({ name, help: this.helpText, type: 'histogram', values, aggregator: 'sum' });
  }

  /** What the registry reads for the text format (prom-client looks for it before `get`). */
  async getForPromString(): ReturnType<Histogram<Label>['get']> {
    return this.get();
  }
}

type PromClientMetric<Label extends string> = Awaited<ReturnType<Histogram<Label>['get']>>;

/**
 * What prom-client's own histograms answer, given the type its registry expects: its typings declare `type` a numeric
 * enum its JavaScript does not have (the registry reads the name) and a `collect` that no answer carries, so no
 * honest value has their type; this overload is the one place that says so.
 */
function asPromClientMetric<Label extends string>(metric: { name: string; help: string; type: 'histogram'; values: unknown[]; aggregator: 'sum' }): PromClientMetric<Label>;
function asPromClientMetric(metric: object): object {
  return metric;
}
