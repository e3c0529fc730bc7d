/**
 * Contract C's per-platform pre-aggregates of one rolled bucket, computed from the windows the
 * roll-up has just merged for it (1h windows for `ops_metrics_hourly`, 1d windows, merged from
 * the day's 1h ones, for `ops_metrics_daily`), so that p99 comes from merged sketches.
 *
 * What is counted, per value of the `platform` label:
 * - operations (`velocity.operation.duration`) carrying it: outcome `success` is a success;
 *   outcome `failure` is an error, classed 4xx, 5xx or timeout by an optional custom
 *   `status_class` label with that value (`{ platform: 'stripe', status_class: 'timeout' }`),
 *   otherwise an error of no class;
 * - requests (`http.server.request.duration`) carrying it: status classes 1xx, 2xx and 3xx
 *   are successes; 4xx, 5xx and timeout are errors of that class; aborted (and anything
 *   else) an error of no class.
 * So `error_count = request_count − success_count ≥ error_4xx + error_5xx + timeout`, and
 * `error_rate = error_count / request_count × 100`. Contract B's "failed" (5xx and timeout
 * only) is a narrower notion; `error_5xx_count + timeout_count` is that one.
 * @module
 */
import { HTTP_DURATION_METRIC, STATUS_CLASSES, TIMEOUT_CLASS } from '../collect/http.js';
import { OPERATION_DURATION_METRIC } from '../collect/operations.js';
import { Sketch } from '../model/sketch.js';
import type { Window } from '../model/window.js';
import type { PlatformAggregate } from '../store/store.js';

/** The label whose values contract C aggregates by. */
export const PLATFORM_LABEL = 'platform';

const CLASS_4XX = STATUS_CLASSES[3];
const CLASS_5XX = STATUS_CLASSES[4];
const CLASS_TIMEOUT = STATUS_CLASSES[TIMEOUT_CLASS];
const SUCCESS_CLASSES: ReadonlySet<string> = new Set(STATUS_CLASSES.slice(0, 3));

/** What one window's observations count as. */
type Outcome = 'success' | '4xx' | '5xx' | 'timeout' | 'error';

/** The running totals of one platform. */
interface Totals {
  count: number;
  sum: number;
  success: number;
  errors4xx: number;
  errors5xx: number;
  timeouts: number;
  readonly sketch: Sketch;
}

/**
 * What the observations of a series of `metric` with `labels` count as, or null when the
 * series is not one contract C aggregates (another metric, or no platform label).
 */
export function platformOutcome(metric: string, labels: Readonly<Record<string, string>>): Outcome | null {
  if (labels[PLATFORM_LABEL] === undefined) return null;
  const statusClass = labels.status_class;
  if (metric === OPERATION_DURATION_METRIC) {
    if (labels.outcome === 'success') return 'success';
  } else if (metric === HTTP_DURATION_METRIC) {
    if (SUCCESS_CLASSES.has(statusClass)) return 'success';
  } else {
    return null;
  }
  if (statusClass === CLASS_4XX) return '4xx';
  if (statusClass === CLASS_5XX) return '5xx';
  if (statusClass === CLASS_TIMEOUT) return 'timeout';
  return 'error';
}

/** Adds up the windows of one bucket per platform, then gives contract C's rows for it. */
export class PlatformAggregator {
  private readonly byPlatform = new Map<string, Totals>();

  /** @param bucketStart the bucket's start, epoch ms, which every row carries. */
  constructor(private readonly bucketStart: number) {}

  /** Counts the distribution windows of `windows` that contract C aggregates; ignores the rest. */
  add(windows: readonly Window[]): void {
    for (const w of windows) {
      if (w.series.kind !== 'distribution') continue;
      const outcome = platformOutcome(w.series.metric, w.series.labels);
      if (outcome === null) continue;
      const platform = w.series.labels[PLATFORM_LABEL];
      let totals = this.byPlatform.get(platform);
      if (totals === undefined) {
        totals = { count: 0, sum: 0, success: 0, errors4xx: 0, errors5xx: 0, timeouts: 0, sketch: new Sketch() };
        this.byPlatform.set(platform, totals);
      }
      totals.count += w.count;
      totals.sum += w.sum;
      if (outcome === 'success') totals.success += w.count;
      else if (outcome === '4xx') totals.errors4xx += w.count;
      else if (outcome === '5xx') totals.errors5xx += w.count;
      else if (outcome === 'timeout') totals.timeouts += w.count;
      if (w.sketch !== null) mergeSketch(totals.sketch, w);
    }
  }

  /** One row per platform seen, ordered by platform, computed at `computedAt` (epoch ms). */
  rows(computedAt: number): PlatformAggregate[] {
    return [...this.byPlatform]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([platform, t]) => {
        const errors = t.count - t.success;
        return {
          bucketStart: this.bucketStart,
          platform,
          requestCount: t.count,
          successCount: t.success,
          errorCount: errors,
          error4xxCount: t.errors4xx,
          error5xxCount: t.errors5xx,
          timeoutCount: t.timeouts,
          avgLatencyMs: t.count > 0 ? t.sum / t.count : null,
          p99LatencyMs: t.sketch.quantile(0.99),
          errorRate: t.count > 0 ? (100 * errors) / t.count : 0,
          computedAt,
        };
      });
  }
}

/** Merges `w`'s sketch into `into`; one that does not decode is left out of the p99 (its counts still add up). */
function mergeSketch(into: Sketch, w: Window): void {
  let decoded: Sketch;
  try {
    decoded = Sketch.decode(w.sketch as Uint8Array, w);
  } catch {
    return;
  }
  into.merge(decoded);
}
