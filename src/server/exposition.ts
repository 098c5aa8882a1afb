/*
 * The Prometheus text exposition format, version 0.0.4:
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 * Each family is a HELP line, a TYPE line and its samples. Label values escape backslash, double
 * quote and newline, and HELP text escapes backslash and newline.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

export interface Sample {
  /** Suffix added to the family name, such as `_bucket`, `_sum` or `_count`. */
  suffix?: string;
  labels?: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  /** Name matching `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

/** Content type of the text format, as Prometheus expects it. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Writes metric families in the text format.
 *
 * @throws Error for an invalid metric or label name, which is a bug in the caller.
 */
export function writeExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    if (!NAME.test(family.name)) throw new Error(`invalid metric name ${family.name}`);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) lines.push(sampleLine(family.name, sample));
  }
  return `${lines.join('\n')}\n`;
}

function sampleLine(name: string, sample: Sample): string {
  const labels = Object.entries(sample.labels ?? {});
  for (const [label] of labels) {
    if (!LABEL_NAME.test(label) || label.startsWith('__')) throw new Error(`invalid label name ${label} on ${name}`);
  }
  const labelText = labels.length === 0 ? '' : `{${labels.map(([label, value]) => `${label}="${escapeLabel(value)}"`).join(',')}}`;
  return `${name}${sample.suffix ?? ''}${labelText} ${formatValue(sample.value)}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A histogram with fixed buckets, kept in memory for the life of the process. */
export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  /** @param buckets upper bounds in ascending order; `+Inf` is added. */
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
  ) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    for (const [index, bound] of this.buckets.entries()) {
      if (value <= bound) this.counts[index]! += 1;
    }
  }

  family(): MetricFamily {
    const samples: Sample[] = this.buckets.map((bound, index) => ({ suffix: '_bucket', labels: { le: String(bound) }, value: this.counts[index]! }));
    samples.push({ suffix: '_bucket', labels: { le: '+Inf' }, value: this.count });
    samples.push({ suffix: '_sum', value: this.sum });
    samples.push({ suffix: '_count', value: this.count });
    return { name: this.name, help: this.help, type: 'histogram', samples };
  }
}
