/**
 * Velocity: a memory for a Node.js service's operational metrics.
 * @example
 * import { createVelocity } from 'velocity-metrics';
 * const velocity = createVelocity({ service: 'api' });
 * @module
 */
export { createVelocity, Velocity, type VelocityOptions, type HealthReport } from './velocity.js';
export { resolveConfig, defaultConfig, type VelocityConfig, type VelocityConfigOptions, type IngestMode } from './config.js';
export { VelocityError, type VelocityErrorCode } from './errors.js';
export { HTTP_DURATION_METRIC, STATUS_CLASSES, UNMATCHED_ROUTE, type StatusClass } from './collect/http.js';
export { OPERATION_DURATION_METRIC, type OperationTimer } from './collect/operations.js';
export { SYSTEM_METRICS } from './collect/system-metrics.js';
export { NETWORK_METRICS } from './collect/network-metrics.js';
export type { SystemCollector } from './collect/system-collector.js';
export type { SystemSample } from './collect/system.js';
export type { NetworkSample } from './collect/network.js';
export { OVERFLOW_LABEL, DEFAULT_MAX_SERIES_PER_METRIC, type MetricCardinality } from './record/recorder.js';
export { MAX_INGESTED_METRICS, type IngestedSeriesStatus } from './pipeline/ingested-series-cap.js';
export { Sketch, SKETCH_SCALE } from './model/sketch.js';
export { parseDuration, formatDuration } from './model/duration.js';
export { parseTime } from './model/time.js';
export type { Labels } from './model/labels.js';
export type { Window, WindowValues, StoredWindow, Tier, WindowKind, SeriesDescriptor } from './model/window.js';
export type { Store, SeriesRecord, ReadWindowsOptions, PlatformAggregate } from './store/store.js';
export {
  openStore,
  describeDatabase,
  createPostgresStore,
  type PostgresStoreOptions,
  type PgPoolLike,
} from './store/open-store.js';
export { createSqliteStore, type SqliteStoreOptions } from './store/sqlite/sqlite-store.js';
export { createMemoryStore } from './store/memory/memory-store.js';
export type { HistoryResult, HistoryPoint, HistoryColumns, HistoryGroup } from './query/history.js';
export type { RouteMetrics, OperationMetrics, TimeRange, AdminMetrics } from './query/contract-b.js';
export type { LiveSnapshot, LiveRoute, LiveStats } from './query/live.js';
export type { SystemHistoryResult, SystemHistoryPoint } from './query/system-history.js';
export type { NetworkHistoryResult, NetworkWindowView, NetworkFlowView } from './query/network-history.js';
export type { NetworkLive } from './query/network-live.js';
export { parseHistoryParams, type HistoryQuery, type RawParams } from './query/params.js';
