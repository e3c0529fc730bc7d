/**
 * The series cap for windows made elsewhere (`POST /api/v1/ingest`, field `windows`). They go
 * to the store as sent, not through the recorder, so they get a cap of their own with the same
 * bound: per process run, at most `maxSeriesPerMetric` label sets per metric, and windows of
 * at most MAX_INGESTED_METRICS metrics.
 *
 * Past the cap a batch holding a window of a new series is refused whole, naming that window,
 * rather than folded into an overflow series: a pre-aggregated window replaces the stored one
 * of its series and minute, so two windows folded into one overflow series would keep only the
 * last. The sender folds its own labels. A window of a series already taken always passes, so
 * re-sending a batch stays safe. Series are remembered by a 48-bit hash of their key: memory
 * stays bounded by the caps however long the labels are.
 * @module
 */
import { createHash } from 'node:crypto';
import { VelocityError } from '../errors.js';
import type { Window } from '../model/window.js';

/** Most metrics whose windows ingest takes in one process run. */
export const MAX_INGESTED_METRICS = 256;

/** What /healthz reports of the windows ingest took. */
export interface IngestedSeriesStatus {
  /** Series taken per metric, by metric name. */
  metrics: Record<string, number>;
  /** Batches refused because a window would have passed a cap. */
  refused_batches: number;
}

function seriesHash(key: string): number {
  return createHash('sha1').update(key).digest().readUIntBE(0, 6);
}

/** Counts the series of ingested windows per metric and refuses windows past the caps. */
export class IngestedSeriesCap {
  private readonly byMetric = new Map<string, Set<number>>();
  private refusedBatches = 0;

  /** @param maxSeriesPerMetric the per-metric cap, the recorder's. */
  constructor(private readonly maxSeriesPerMetric: number) {}

  /**
   * Takes the series of `windows` into the count, or, when one of them would pass a cap,
   * takes none and throws INVALID_PARAMETER naming that window (`windows[i].labels`, or
   * `windows[i].metric` past the metric cap).
   */
  admit(windows: readonly Window[]): void {
    const fresh = new Map<string, Set<number>>();
    let newMetrics = 0;
    for (let i = 0; i < windows.length; i++) {
      const { metric, key } = windows[i].series;
      const hash = seriesHash(key);
      const known = this.byMetric.get(metric);
      if (known?.has(hash) === true) continue;
      let added = fresh.get(metric);
      if (added === undefined) {
        if (known === undefined) {
          if (this.byMetric.size + newMetrics >= MAX_INGESTED_METRICS) {
            this.refuse(
              `windows[${i}].metric`,
              `ingest has taken windows of ${MAX_INGESTED_METRICS} metrics, the most it keeps count of; ${JSON.stringify(metric)} would be one more`,
            );
          }
          newMetrics++;
        }
        added = new Set();
        fresh.set(metric, added);
      }
      if (added.has(hash)) continue;
      if ((known?.size ?? 0) + added.size >= this.maxSeriesPerMetric) {
        this.refuse(
          `windows[${i}].labels`,
          `${metric} already has ${this.maxSeriesPerMetric} series from ingested windows (maxSeriesPerMetric, VELOCITY_MAX_SERIES_PER_METRIC) and this label set would be one more`,
        );
      }
      added.add(hash);
    }
    for (const [metric, added] of fresh) {
      const known = this.byMetric.get(metric);
      if (known === undefined) this.byMetric.set(metric, added);
      else for (const hash of added) known.add(hash);
    }
  }

  /** Series per metric and refused batches, for /healthz. */
  status(): IngestedSeriesStatus {
    const metrics: Record<string, number> = {};
    for (const [metric, series] of this.byMetric) metrics[metric] = series.size;
    return { metrics, refused_batches: this.refusedBatches };
  }

  private refuse(param: string, problem: string): never {
    this.refusedBatches++;
    throw new VelocityError('INVALID_PARAMETER', `${param}: ${problem}; the batch was refused whole: fold such labels before sending`, param);
  }
}
