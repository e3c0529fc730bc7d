/**
 * The system sampler (contract D): one call, `sample()`, reads every host and process figure
 * of system-readers.ts and hands them back together, never throwing — a failed read leaves
 * its field null and adds an entry to `errors`, so the caller can log it and skip the field.
 *
 * Per field of SystemSample (units and sources are detailed in system-readers.ts):
 * - `cpuUsagePercent`: 0–100, per interval — machine-wide CPU busy share since the previous
 *   `sample()` (the first one: since the sampler was constructed); null when no CPU tick
 *   elapsed in between (two samples within ~10 ms) — that is not an error.
 * - `loadAverage`: `[1 min, 5 min, 15 min]` from `os.loadavg()`, the kernel's damped averages.
 * - `cpuTemperature`: °C with the thermal zone it came from; null when the host has no sensor
 *   (not an error).
 * - `memory`: bytes (MemTotal, MemAvailable, used = total − available) and percent.
 * - `disk`: bytes and a `df`-style percent of the file system holding `diskPath`.
 * - `process`: this process's RSS and V8 heap used, bytes.
 * - `eventLoopDelay`: ms distribution since the previous sample; null before `start()` or
 *   when the histogram took no sample.
 * All but the two per-interval fields are instantaneous at `timestamp`.
 * @module
 */
import { loadavg } from 'node:os';
import {
  EventLoopDelayMonitor,
  cpuUsagePercent,
  readCpuTemperature,
  readCpuTimes,
  readDiskUsage,
  readMemory,
  readProcessMemory,
  type CpuTimes,
  type DiskFigures,
  type EventLoopDelaySnapshot,
  type MemoryFigures,
  type ProcessMemory,
  type ThermalZoneReading,
} from './system-readers.js';

/** Where SystemSampler reads from; every field has a default for the real machine. */
export interface SystemSamplerOptions {
  /** A directory on the file system whose disk figures are reported (e.g. the data directory). Default `.`. */
  diskPath?: string;
  /** The `/proc` mount (default `/proc`). */
  procRoot?: string;
  /** The thermal class directory (default `/sys/class/thermal`). */
  thermalRoot?: string;
  /** The platform whose readers are used (default `process.platform`). */
  platform?: NodeJS.Platform;
}

/** One field that could not be read, and why. */
export interface SampleError {
  /** The SystemSample field left null. */
  field: 'cpuUsagePercent' | 'loadAverage' | 'cpuTemperature' | 'memory' | 'disk' | 'process';
  /** The error's message. */
  message: string;
}

/** Everything one `sample()` read; see the module doc for what each number means. */
export interface SystemSample {
  /** When the sample was taken (ms since the epoch). */
  timestamp: number;
  /** Machine CPU busy %, 0–100, since the previous sample. */
  cpuUsagePercent: number | null;
  /** Load averages over 1, 5 and 15 minutes. */
  loadAverage: [number, number, number] | null;
  /** CPU temperature in °C and its zone; null when there is no sensor. */
  cpuTemperature: ThermalZoneReading | null;
  /** Host memory in bytes. */
  memory: MemoryFigures | null;
  /** Disk of `diskPath`'s file system, bytes. */
  disk: DiskFigures | null;
  /** This process's RSS and heap used, bytes. */
  process: ProcessMemory | null;
  /** Event-loop delay distribution since the previous sample, ms. */
  eventLoopDelay: EventLoopDelaySnapshot | null;
  /** The reads that failed; their fields are null. */
  errors: SampleError[];
}

/**
 * Takes system samples. `start()` / `stop()` only switch the event-loop delay histogram on and
 * off; `sample()` works either way.
 */
export class SystemSampler {
  private readonly diskPath: string;
  private readonly procRoot: string;
  private readonly thermalRoot: string;
  private readonly platform: NodeJS.Platform;
  private readonly eventLoop = new EventLoopDelayMonitor();
  private previousCpu: CpuTimes | null;

  /** Takes the CPU baseline for the first sample's usage. */
  constructor(options: SystemSamplerOptions = {}) {
    this.diskPath = options.diskPath ?? '.';
    this.procRoot = options.procRoot ?? '/proc';
    this.thermalRoot = options.thermalRoot ?? '/sys/class/thermal';
    this.platform = options.platform ?? process.platform;
    this.previousCpu = this.tryCpuTimes();
  }

  /** Starts the event-loop delay histogram. */
  start(): void {
    this.eventLoop.start();
  }

  /** Stops the event-loop delay histogram. */
  stop(): void {
    this.eventLoop.stop();
  }

  /** Whether the event-loop delay histogram is running. */
  isRunning(): boolean {
    return this.eventLoop.isRunning();
  }

  /** Reads every figure; never throws (see SystemSample.errors). */
  sample(): SystemSample {
    const errors: SampleError[] = [];
    const attempt = <T>(field: SampleError['field'], read: () => T): T | null => {
      try {
        return read();
      } catch (error) {
        errors.push({ field, message: error instanceof Error ? error.message : String(error) });
        return null;
      }
    };
    const cpu = attempt('cpuUsagePercent', () => readCpuTimes(this.platform, this.procRoot));
    const usage = cpu !== null && this.previousCpu !== null ? cpuUsagePercent(this.previousCpu, cpu) : null;
    if (cpu !== null) this.previousCpu = cpu;
    return {
      timestamp: Date.now(),
      cpuUsagePercent: usage,
      loadAverage: attempt('loadAverage', () => loadavg() as [number, number, number]),
      cpuTemperature: attempt('cpuTemperature', () => readCpuTemperature(this.thermalRoot)),
      memory: attempt('memory', () => readMemory(this.platform, this.procRoot)),
      disk: attempt('disk', () => readDiskUsage(this.diskPath)),
      process: attempt('process', readProcessMemory),
      eventLoopDelay: this.eventLoop.take(),
      errors,
    };
  }

  private tryCpuTimes(): CpuTimes | null {
    try {
      return readCpuTimes(this.platform, this.procRoot);
    } catch {
      return null; // reported by the first sample(), which reads again
    }
  }
}
