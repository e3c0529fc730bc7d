/**
 * Host and process health as series (contract D): what one SystemSample becomes in the
 * recorder. Names follow the OpenTelemetry semantic conventions where one exists; ratios are
 * 0–1 as those conventions have them (contract D's percentages are derived at read time).
 * Every series carries the process labels (service, instance, env, …) and no others.
 *
 * | metric | kind | unit | from |
 * | --- | --- | --- | --- |
 * | `system.cpu.utilization` | gauge | ratio 0–1 | machine-wide CPU busy share since the previous sample (`/proc/stat`) |
 * | `system.cpu.load_average.1m` / `.5m` / `.15m` | gauge | tasks | `os.loadavg()` |
 * | `system.cpu.temperature` | gauge | °C | the CPU thermal zone (`/sys/class/thermal`); absent without a sensor |
 * | `system.memory.limit` | gauge | bytes | MemTotal |
 * | `system.memory.usage` | gauge | bytes | MemTotal − MemAvailable |
 * | `system.memory.utilization` | gauge | ratio 0–1 | usage / limit |
 * | `system.filesystem.limit` | gauge | bytes | size of the file system holding the disk path (`fs.statfs`) |
 * | `system.filesystem.usage` | gauge | bytes | its used bytes (size − free) |
 * | `system.filesystem.utilization` | gauge | ratio 0–1 | used / (used + available to users), as `df` computes it, unrounded |
 * | `process.memory.usage` | gauge | bytes | this process's resident set size |
 * | `v8js.memory.heap.used` | gauge | bytes | V8 heap in use |
 * | `nodejs.eventloop.delay` | distribution | ms | event-loop delay beyond the 10 ms sampling period (`monitorEventLoopDelay`) |
 * @module
 */
import type { Labels } from '../model/labels.js';
import type { DistributionSeries } from '../record/distribution-series.js';
import type { GaugeSeries } from '../record/gauge-series.js';
import type { Recorder } from '../record/recorder.js';
import type { SystemSample } from './system.js';
import type { EventLoopDelaySnapshot } from './system-readers.js';

/** The metric names of host and process health (see the module doc for units and sources). */
export const SYSTEM_METRICS = {
  cpuUtilization: 'system.cpu.utilization',
  load1m: 'system.cpu.load_average.1m',
  load5m: 'system.cpu.load_average.5m',
  load15m: 'system.cpu.load_average.15m',
  cpuTemperature: 'system.cpu.temperature',
  memoryLimit: 'system.memory.limit',
  memoryUsage: 'system.memory.usage',
  memoryUtilization: 'system.memory.utilization',
  filesystemLimit: 'system.filesystem.limit',
  filesystemUsage: 'system.filesystem.usage',
  filesystemUtilization: 'system.filesystem.utilization',
  processMemory: 'process.memory.usage',
  heapUsed: 'v8js.memory.heap.used',
  eventLoopDelay: 'nodejs.eventloop.delay',
} as const;

/** Records the event-loop delay distribution of one interval into `observe`, one call per timer tick. */
export function observeEventLoopDelay(snapshot: EventLoopDelaySnapshot, observe: (valueMs: number) => void): void {
  // The histogram hands back quantiles, not its ticks: the extremes are recorded as they are
  // and the other ticks spread evenly over the quantile grid, so the sketch's count, min and
  // max are exact and its quantiles within the grid's 1 % rank resolution.
  const { count, min, max, quantiles } = snapshot;
  if (count <= 0) return;
  observe(min);
  if (count === 1) return;
  observe(max);
  const rest = count - 2;
  const points = quantiles.length;
  for (let i = 0; i < points; i++) {
    const ticks = Math.floor(((i + 1) * rest) / points) - Math.floor((i * rest) / points);
    for (let k = 0; k < ticks; k++) observe(quantiles[i]);
  }
}

/** Turns system samples into gauge and distribution series of a recorder, with cached handles. */
export class SystemMetricsRecorder {
  private readonly gauges = new Map<string, GaugeSeries>();
  private eventLoop: DistributionSeries | undefined;

  /**
   * @param recorder where the series live.
   * @param labels the labels every series carries (service, instance, env, …).
   */
  constructor(
    private readonly recorder: Recorder,
    private readonly labels: Labels,
  ) {}

  /** Records every figure `sample` holds; a null figure records nothing. */
  record(sample: SystemSample): void {
    const m = SYSTEM_METRICS;
    if (sample.cpuUsagePercent !== null) this.set(m.cpuUtilization, sample.cpuUsagePercent / 100);
    if (sample.loadAverage !== null) {
      this.set(m.load1m, sample.loadAverage[0]);
      this.set(m.load5m, sample.loadAverage[1]);
      this.set(m.load15m, sample.loadAverage[2]);
    }
    if (sample.cpuTemperature !== null) this.set(m.cpuTemperature, sample.cpuTemperature.celsius);
    if (sample.memory !== null) {
      this.set(m.memoryLimit, sample.memory.total);
      this.set(m.memoryUsage, sample.memory.used);
      this.set(m.memoryUtilization, sample.memory.percent / 100);
    }
    if (sample.disk !== null) {
      const { total, used, available } = sample.disk;
      this.set(m.filesystemLimit, total);
      this.set(m.filesystemUsage, used);
      if (used + available > 0) this.set(m.filesystemUtilization, used / (used + available));
    }
    if (sample.process !== null) {
      this.set(m.processMemory, sample.process.rss);
      this.set(m.heapUsed, sample.process.heapUsed);
    }
    if (sample.eventLoopDelay !== null) {
      const series = (this.eventLoop ??= this.recorder.distribution(m.eventLoopDelay, this.labels));
      observeEventLoopDelay(sample.eventLoopDelay, (value) => series.observe(value));
    }
  }

  private set(metric: string, value: number): void {
    let series = this.gauges.get(metric);
    if (series === undefined) {
      series = this.recorder.gauge(metric, this.labels);
      this.gauges.set(metric, series);
    }
    series.set(value);
  }
}
