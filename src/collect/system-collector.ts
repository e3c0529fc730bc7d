/**
 * The collector of host, process and network figures (contracts D and E): once at start, then
 * every interval, it samples the system and the network and records the figures into the
 * recorder (system-metrics.ts and network-metrics.ts name them). It never throws into the
 * host: a figure that cannot be read is skipped, and logged the first time only, per kind.
 *
 * Collections are aligned to the interval on the clock and run a little before each boundary
 * (one second, or half the interval if that is shorter), so that with an interval that divides
 * a minute the last collection of a minute lands in that minute's window: a window's counters
 * then hold the increase from about one second before its start to one second before its end.
 * @module
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Labels } from '../model/labels.js';
import type { Recorder } from '../record/recorder.js';
import { LOOPBACK_INTERFACES, NetworkMetricsRecorder } from './network-metrics.js';
import { NetworkSampler, type NetworkSample, type NetworkSamplerOptions } from './network.js';
import { SystemMetricsRecorder } from './system-metrics.js';
import { SystemSampler, type SystemSample, type SystemSamplerOptions } from './system.js';

/** How long before each interval boundary a collection runs, at most. */
export const COLLECTION_LEAD_MS = 1_000;

/**
 * Milliseconds from `nowMs` to the next collection: the next multiple of `intervalMs` (epoch
 * aligned) minus the lead, COLLECTION_LEAD_MS or half the interval if that is shorter.
 * @example nextCollectionDelay(Date.parse('2026-11-20T14:00:10Z'), 60_000) // 49_000: at 14:00:59
 */
export function nextCollectionDelay(nowMs: number, intervalMs: number): number {
  const lead = Math.min(COLLECTION_LEAD_MS, intervalMs / 2);
  return (Math.floor((nowMs + lead) / intervalMs) + 1) * intervalMs - lead - nowMs;
}

/**
 * `path` resolved, if it exists, else its nearest parent that does: the file system that a
 * data directory not created yet (or one on a store that never creates it) will be on.
 */
export function nearestExistingPath(path: string): string {
  let current = resolve(path);
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

/** The sampler's `topConnections`: every connection, so that conversations are folded from all of them. */
const ALL_CONNECTIONS = 1_000_000;

/** What the collector needs: where to record, how often, and where to report problems. */
export interface SystemCollectorOptions {
  /** Where the series live. */
  recorder: Recorder;
  /** The labels every series carries (service, instance, env, …). */
  labels: Labels;
  /** Milliseconds between collections. */
  intervalMs: number;
  /** Where problems are reported, one line each. */
  log: (message: string) => void;
  /** The clock the collections are aligned on, epoch ms. Default `Date.now`. */
  clock?: () => number;
  /**
   * Where the system sampler reads; `diskPath` names the file system whose disk figures are
   * recorded (when it does not exist, its nearest existing parent's, see nearestExistingPath).
   */
  system?: SystemSamplerOptions;
  /** Where the network sampler reads. */
  network?: Omit<NetworkSamplerOptions, 'topConnections' | 'excludeFromTotals'>;
}

/** Collects host, process and network figures into the recorder, once at start and then every interval. */
export class SystemCollector {
  /** Milliseconds between collections. */
  readonly intervalMs: number;
  private readonly systemSampler: SystemSampler;
  private readonly networkSampler: NetworkSampler;
  private readonly systemMetrics: SystemMetricsRecorder;
  private readonly networkMetrics: NetworkMetricsRecorder;
  private readonly log: (message: string) => void;
  private readonly clock: () => number;
  private readonly reported = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private lastSystem: SystemSample | null = null;
  private lastNetwork: NetworkSample | null = null;

  constructor(options: SystemCollectorOptions) {
    this.intervalMs = options.intervalMs;
    this.log = options.log;
    this.clock = options.clock ?? Date.now;
    const diskPath = options.system?.diskPath;
    this.systemSampler = new SystemSampler({ ...options.system, diskPath: diskPath === undefined ? undefined : nearestExistingPath(diskPath) });
    this.networkSampler = new NetworkSampler({ ...options.network, topConnections: ALL_CONNECTIONS, excludeFromTotals: LOOPBACK_INTERFACES });
    this.systemMetrics = new SystemMetricsRecorder(options.recorder, options.labels);
    this.networkMetrics = new NetworkMetricsRecorder(options.recorder, options.labels);
  }

  /** Starts collecting: once now, then every interval, on an unref'd timer. Does nothing when running. */
  start(): void {
    if (this.timer !== null) return;
    this.systemSampler.start();
    void this.collect();
    this.schedule();
  }

  /** Stops collecting (the timer and the event-loop delay histogram). Does nothing when stopped. */
  stop(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.systemSampler.stop();
  }

  /** Whether the collector runs on its timer. */
  isRunning(): boolean {
    return this.timer !== null;
  }

  /**
   * Collects once now and records what it read; resolves when recorded, never rejects. A call
   * while a collection is under way returns that collection.
   */
  collect(): Promise<void> {
    this.running ??= this.collectOnce().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** The latest system sample, null before the first collection. */
  latestSystem(): SystemSample | null {
    return this.lastSystem;
  }

  /** The latest network sample, null before the first collection. */
  latestNetwork(): NetworkSample | null {
    return this.lastNetwork;
  }

  private async collectOnce(): Promise<void> {
    this.guard('system', 'system collection failed', () => {
      const sample = this.systemSampler.sample();
      for (const error of sample.errors) this.reportOnce(`system:${error.field}`, `cannot read ${error.field}, skipped: ${error.message}`);
      this.systemMetrics.record(sample);
      this.lastSystem = sample;
    });
    let sample: NetworkSample;
    try {
      sample = await this.networkSampler.sample();
    } catch (error) {
      this.reportOnce('network', `network collection failed, skipped: ${describe(error)}`);
      return;
    }
    this.lastNetwork = sample;
    if (!sample.available) {
      this.reportOnce('network:unavailable', `network counters are not collected: ${sample.reason}`);
      return;
    }
    for (const error of sample.errors) this.reportOnce(`network:${error.source}`, `cannot read ${error.source}, skipped: ${error.message}`);
    this.guard('network', 'network collection failed', () => this.networkMetrics.record(sample));
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      void this.collect();
      if (this.timer !== null) this.schedule();
    }, nextCollectionDelay(this.clock(), this.intervalMs));
    this.timer.unref();
  }

  private guard(kind: string, what: string, work: () => void): void {
    try {
      work();
    } catch (error) {
      this.reportOnce(kind, `${what}, skipped: ${describe(error)}`);
    }
  }

  private reportOnce(kind: string, message: string): void {
    if (this.reported.has(kind)) return;
    this.reported.add(kind);
    this.log(`${message} (reported once)`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
