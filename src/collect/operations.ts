/**
 * Operation recording (contract B): how long a named piece of work took and whether it
 * succeeded, as the distribution `velocity.operation.duration` labelled with the process
 * labels, `operation`, `outcome` (`success` | `failure`) and any custom labels (`platform`).
 * Series handles are cached per operation name, and per (name, label set) when custom labels
 * are given: a call with labels builds its key string, one without does not.
 * @module
 */
import { invalidParameter } from '../errors.js';
import { seriesKey, type Labels } from '../model/labels.js';
import type { DistributionSeries } from '../record/distribution-series.js';
import type { Recorder } from '../record/recorder.js';

/** The metric every operation is recorded under, in milliseconds. */
export const OPERATION_DURATION_METRIC = 'velocity.operation.duration';

/** Ends a timer started by `startTimer`, recording it once; resolves the duration in ms. */
export type OperationTimer = (success?: boolean) => number;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SUCCESS = 0;
const FAILURE = 1;
const OUTCOMES = ['success', 'failure'] as const;

/** The success and failure series of one (operation, label set), created on first use. */
type Slots = [success: DistributionSeries | undefined, failure: DistributionSeries | undefined];

/** Records operations into per-(operation, outcome, custom labels) distribution series. */
export class OperationRecorder {
  private readonly byName = new Map<string, Slots>();
  private readonly byKey = new Map<string, Slots>();
  private readonly reserved: ReadonlySet<string>;

  /**
   * @param recorder where the series live.
   * @param baseLabels labels every operation series carries (service, instance, env, …);
   *   custom labels may not override them, nor `operation` and `outcome`.
   */
  constructor(
    private readonly recorder: Recorder,
    private readonly baseLabels: Labels,
  ) {
    this.reserved = new Set([...Object.keys(baseLabels), 'operation', 'outcome']);
  }

  /**
   * Records one execution of `operation` that took `durationMs`. Throws INVALID_PARAMETER
   * for an empty operation name, a bad label name or value, or a duration that is not a
   * finite number ≥ 0.
   */
  record(operation: string, labels: Labels | undefined, success: boolean, durationMs: number): void {
    if (!(durationMs >= 0 && durationMs < Number.POSITIVE_INFINITY)) {
      throw invalidParameter('durationMs', `must be a finite number of milliseconds ≥ 0, not ${String(durationMs)}`);
    }
    this.observe(this.slotsOf(operation, labels), operation, labels, success, durationMs);
  }

  /**
   * Runs `fn` and records how long it took: a failure when it throws or its promise rejects
   * (the error is re-thrown untouched), a success otherwise. A synchronous `fn` stays
   * synchronous: its value is returned as is. Labels are checked before `fn` runs.
   */
  time<T>(operation: string, labels: Labels | undefined, fn: () => T): T {
    const slots = this.slotsOf(operation, labels);
    const start = performance.now();
    let result: T;
    try {
      result = fn();
    } catch (error) {
      this.observe(slots, operation, labels, false, performance.now() - start);
      throw error;
    }
    if (!isThenable(result)) {
      this.observe(slots, operation, labels, true, performance.now() - start);
      return result;
    }
    return result.then(
      (value) => {
        this.observe(slots, operation, labels, true, performance.now() - start);
        return value;
      },
      (error: unknown) => {
        this.observe(slots, operation, labels, false, performance.now() - start);
        throw error;
      },
    ) as T;
  }

  /** Starts timing `operation` now; call the returned function once, when it ends. Labels are checked now. */
  startTimer(operation: string, labels?: Labels): OperationTimer {
    const slots = this.slotsOf(operation, labels);
    const start = performance.now();
    return (success = true) => {
      const durationMs = performance.now() - start;
      this.observe(slots, operation, labels, success, durationMs);
      return durationMs;
    };
  }

  private observe(slots: Slots, operation: string, labels: Labels | undefined, success: boolean, durationMs: number): void {
    const index = success ? SUCCESS : FAILURE;
    let series = slots[index];
    if (series === undefined) {
      series = this.recorder.distribution(OPERATION_DURATION_METRIC, {
        ...this.baseLabels,
        ...labels,
        operation,
        outcome: OUTCOMES[index],
      });
      slots[index] = series;
    }
    series.observe(durationMs);
  }

  /**
   * The cached slots of (operation, labels), checked and created on first use. Once the
   * metric is at its series cap, new ones are not cached (their series is the overflow
   * series anyway), so that distinct names and label sets cannot grow these maps.
   */
  private slotsOf(operation: string, labels: Labels | undefined): Slots {
    const withLabels = labels !== undefined && Object.keys(labels).length > 0;
    const map = withLabels ? this.byKey : this.byName;
    // A cache hit means the same names and values were checked before: the key quotes every value.
    const key = withLabels ? seriesKey(operation, labels) : operation;
    let slots = map.get(key);
    if (slots === undefined) {
      this.check(operation, withLabels ? labels : undefined);
      slots = [undefined, undefined];
      if (!this.recorder.isFull(OPERATION_DURATION_METRIC) && map.size < this.recorder.maxSeriesPerMetric) map.set(key, slots);
    }
    return slots;
  }

  private check(operation: string, labels: Labels | undefined): void {
    if (typeof operation !== 'string' || operation === '') {
      throw invalidParameter('operation', 'must be a non-empty string');
    }
    if (labels === undefined) return;
    for (const name of Object.keys(labels)) {
      if (!LABEL_NAME.test(name)) {
        throw invalidParameter(`labels.${name}`, 'a label name must match [a-zA-Z_][a-zA-Z0-9_]*');
      }
      if (this.reserved.has(name)) {
        throw invalidParameter(`labels.${name}`, `"${name}" is set by Velocity and cannot be a custom label`);
      }
      const value: unknown = labels[name];
      if (typeof value !== 'string') {
        throw invalidParameter(`labels.${name}`, `a label value must be a string, not ${value === null ? 'null' : typeof value}`);
      }
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}
