/**
 * The value columns of contract C's `ops_metrics_hourly` and `ops_metrics_daily`, in table
 * order, shared by the SQLite and PostgreSQL statements (the bucket, `platform` and
 * `computed_at` columns aside, whose types differ between the two).
 * @module
 */

/** Every value column of a platform aggregate row, in table order. */
export const PLATFORM_AGGREGATE_COLUMNS = [
  'request_count',
  'success_count',
  'error_count',
  'error_4xx_count',
  'error_5xx_count',
  'timeout_count',
  'avg_latency_ms',
  'p99_latency_ms',
  'error_rate',
] as const;
