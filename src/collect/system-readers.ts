/**
 * Readers of host and process health (contract D), each a pure parser over file contents plus a
 * thin reader of the real file, so every number can be tested against fixture text and against
 * this machine. No shelling out: only Node built-ins, `/proc` and `/sys`.
 *
 * What each number means and where it comes from:
 *
 * - **CPU times** (`CpuTimes`): cumulative since boot, in clock ticks (USER_HZ, usually 1/100 s)
 *   summed over all CPUs, from the aggregate `cpu` line of `/proc/stat` on Linux
 *   (`busy` = user + nice + system + irq + softirq + steal, `idle` = idle + iowait; guest and
 *   guest_nice are already counted inside user and nice and are not added again). Elsewhere
 *   from `os.cpus()` times (milliseconds, summed over CPUs; no iowait or steal there).
 * - **CPU usage %** (`cpuUsagePercent`): per interval — the share of the non-idle time between
 *   two CPU-times samples, `Δbusy / (Δbusy + Δidle) × 100`, 0–100 for the whole machine
 *   (100 = every CPU busy). Null when no tick elapsed between the samples.
 * - **Load average** (`os.loadavg()`): the kernel's 1, 5 and 15-minute exponentially damped
 *   averages of runnable (and, on Linux, uninterruptible) tasks; not a percentage. Always
 *   `[0, 0, 0]` on Windows.
 * - **CPU temperature** (`pickCpuTemperature`): °C, instantaneous, from
 *   `/sys/class/thermal/thermal_zone*\/temp` (millidegrees in the file). Among the zones whose
 *   `type` names the CPU package (`x86_pkg_temp`, `cpu…`, `coretemp`, `k10temp`, `soc…`,
 *   `package…`) the hottest; when none does, the hottest zone of any type. Null when there is no
 *   readable zone (virtual machines, containers, macOS, Windows).
 * - **Memory** (`parseMeminfo`): bytes, instantaneous, from `/proc/meminfo` (kB × 1024):
 *   `total` = MemTotal, `available` = MemAvailable (the kernel's estimate of what can be
 *   allocated without swapping, page cache included), `used` = total − available,
 *   `percent` = used / total × 100. Elsewhere `os.totalmem()` and `os.freemem()` stand in for
 *   MemTotal and MemAvailable.
 * - **Disk** (`diskUsageFromStatfs`): bytes, instantaneous, of the file system holding a given
 *   directory, from `fs.statfs`: `total` = bsize × blocks, `used` = total − bfree × bsize,
 *   `available` = bavail × bsize (what an unprivileged user may still write), and `percent`
 *   computed as `df` does: used / (used + available) × 100, rounded up to a whole percent
 *   like `df` (so blocks reserved for root do not make a full disk look 95 % full).
 * - **Process memory** (`readProcessMemory`): bytes, instantaneous, from
 *   `process.memoryUsage()`: `rss` = resident set size of this process, `heapUsed` = V8 heap in
 *   use.
 * - **Event-loop delay** (`EventLoopDelayMonitor`): milliseconds, per interval — how late the
 *   event loop ran a periodic timer, from `perf_hooks.monitorEventLoopDelay`. That HDR
 *   histogram records, in nanoseconds, the time between successive ticks of its timer, which is
 *   the timer's period (`resolution`, 10 ms by default) plus the delay; the monitor converts to
 *   ms and subtracts the resolution (clamped at 0), so an idle loop reads ≈ 0, not ≈ 10.
 *   `take()` hands back min/max/mean/p50/p95/p99 of the delay, the delay at 100 evenly spaced
 *   ranks and the number of ticks since the previous `take()`, then resets the histogram.
 * @module
 */
import { readFileSync, readdirSync, statfsSync } from 'node:fs';
import { cpus, freemem, totalmem, type CpuInfo } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Cumulative CPU time since boot, summed over all CPUs (ticks on Linux, ms elsewhere). */
export interface CpuTimes {
  /** Non-idle time: user, nice, system, irq, softirq, steal. */
  busy: number;
  /** Idle time, iowait included. */
  idle: number;
}

/**
 * Parses the aggregate `cpu` line of `/proc/stat` into CPU times; null when the text has no
 * well-formed `cpu` line (fewer than 4 numeric fields).
 */
export function parseProcStat(text: string): CpuTimes | null {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (line === undefined) return null;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  if (fields.length < 4 || fields.some((f) => !Number.isFinite(f) || f < 0)) return null;
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  return { busy: user + nice + system + irq + softirq + steal, idle: idle + iowait };
}

/** Sums `os.cpus()` times (milliseconds) over all CPUs; null when the list is empty. */
export function cpuTimesFromOs(list: readonly Pick<CpuInfo, 'times'>[]): CpuTimes | null {
  if (list.length === 0) return null;
  let busy = 0;
  let idle = 0;
  for (const { times } of list) {
    busy += times.user + times.nice + times.sys + times.irq;
    idle += times.idle;
  }
  return { busy, idle };
}

/**
 * CPU usage in percent (0–100) between two CPU-times samples: Δbusy / (Δbusy + Δidle) × 100.
 * Null when no time elapsed or a counter went backwards (the samples are not comparable).
 */
export function cpuUsagePercent(previous: CpuTimes, current: CpuTimes): number | null {
  const busy = current.busy - previous.busy;
  const idle = current.idle - previous.idle;
  if (busy < 0 || idle < 0 || busy + idle <= 0) return null;
  return (busy / (busy + idle)) * 100;
}

/**
 * Reads the machine's cumulative CPU times: `/proc/stat` on Linux (`procRoot` defaults to
 * `/proc`), `os.cpus()` elsewhere. Throws when neither yields a figure.
 */
export function readCpuTimes(platform: NodeJS.Platform = process.platform, procRoot = '/proc'): CpuTimes {
  const times = platform === 'linux' ? parseProcStat(readFileSync(join(procRoot, 'stat'), 'utf8')) : cpuTimesFromOs(cpus());
  if (times === null) throw new Error(platform === 'linux' ? `no cpu line in ${join(procRoot, 'stat')}` : 'os.cpus() is empty');
  return times;
}

/** One thermal zone's reading. */
export interface ThermalZoneReading {
  /** The zone's directory name, e.g. `thermal_zone0`. */
  zone: string;
  /** The zone's `type` file, e.g. `x86_pkg_temp`, `acpitz`. */
  type: string;
  /** Degrees Celsius. */
  celsius: number;
}

const CPU_ZONE_TYPE = /^(x86_pkg_temp|cpu|coretemp|k10temp|soc|package)/i;

/**
 * Chooses the CPU temperature among thermal zones: the hottest zone whose type names the CPU
 * package (x86_pkg_temp, cpu*, coretemp, k10temp, soc*, package*), else the hottest zone of any
 * type; null when there is none.
 */
export function pickCpuTemperature(zones: readonly ThermalZoneReading[]): ThermalZoneReading | null {
  const cpuZones = zones.filter((z) => CPU_ZONE_TYPE.test(z.type));
  const pool = cpuZones.length > 0 ? cpuZones : zones;
  let best: ThermalZoneReading | null = null;
  for (const z of pool) if (best === null || z.celsius > best.celsius) best = z;
  return best;
}

/**
 * Parses a thermal zone's `temp` file (millidegrees Celsius) into °C; null when it is not a
 * number or below absolute zero (some drivers report an error value).
 */
export function parseThermalTemp(text: string): number | null {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) return null;
  const celsius = Number(trimmed) / 1000;
  return celsius > -273.15 ? celsius : null;
}

/**
 * Reads every `thermal_zone*` under `root` (default `/sys/class/thermal`) and picks the CPU
 * temperature (see pickCpuTemperature). Null when the directory is absent or no zone is
 * readable; a zone whose files cannot be read is left out.
 */
export function readCpuTemperature(root = '/sys/class/thermal'): ThermalZoneReading | null {
  let names: string[];
  try {
    names = readdirSync(root).filter((n) => n.startsWith('thermal_zone'));
  } catch {
    return null;
  }
  const zones: ThermalZoneReading[] = [];
  for (const zone of names) {
    try {
      const celsius = parseThermalTemp(readFileSync(join(root, zone, 'temp'), 'utf8'));
      if (celsius === null) continue;
      let type = '';
      try {
        type = readFileSync(join(root, zone, 'type'), 'utf8').trim();
      } catch {
        // a zone without a type still has a temperature; it just cannot be preferred as the CPU's
      }
      zones.push({ zone, type, celsius });
    } catch {
      // unreadable zone (EIO / ENODATA from a sleeping sensor): left out
    }
  }
  return pickCpuTemperature(zones);
}

/** Memory figures in bytes (see the module doc). */
export interface MemoryFigures {
  /** MemTotal. */
  total: number;
  /** MemAvailable. */
  available: number;
  /** total − available. */
  used: number;
  /** used / total × 100. */
  percent: number;
}

/** Memory figures from total and available bytes. */
export function memoryFigures(total: number, available: number): MemoryFigures {
  const used = total - available;
  return { total, available, used, percent: total > 0 ? (used / total) * 100 : 0 };
}

/**
 * Parses `/proc/meminfo` into memory figures (kB × 1024). Throws when MemTotal or MemAvailable
 * is missing (kernels before 3.14 have no MemAvailable).
 */
export function parseMeminfo(text: string): MemoryFigures {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\d+)\s*kB/.exec(line);
    if (m) kb.set(m[1], Number(m[2]));
  }
  const total = kb.get('MemTotal');
  const available = kb.get('MemAvailable');
  if (total === undefined || available === undefined) {
    throw new Error(`meminfo lacks ${total === undefined ? 'MemTotal' : 'MemAvailable'}`);
  }
  return memoryFigures(total * 1024, available * 1024);
}

/** Reads memory figures: `/proc/meminfo` on Linux, `os.totalmem()` / `os.freemem()` elsewhere. */
export function readMemory(platform: NodeJS.Platform = process.platform, procRoot = '/proc'): MemoryFigures {
  return platform === 'linux' ? parseMeminfo(readFileSync(join(procRoot, 'meminfo'), 'utf8')) : memoryFigures(totalmem(), freemem());
}

/** Disk figures in bytes (see the module doc). */
export interface DiskFigures {
  /** bsize × blocks. */
  total: number;
  /** total − bfree × bsize. */
  used: number;
  /** bavail × bsize: what an unprivileged user may still write. */
  available: number;
  /** used / (used + available) × 100, rounded up to a whole percent, as `df` shows it. */
  percent: number;
}

/** Disk figures from a `fs.statfs` result. */
export function diskUsageFromStatfs(stats: { bsize: number; blocks: number; bfree: number; bavail: number }): DiskFigures {
  const total = stats.bsize * stats.blocks;
  const used = total - stats.bfree * stats.bsize;
  const available = stats.bavail * stats.bsize;
  const percent = used + available > 0 ? Math.ceil((used / (used + available)) * 100) : 0;
  return { total, used, available, percent };
}

/** Reads disk figures of the file system that holds `path` (fs.statfs). Throws when `path` does not exist. */
export function readDiskUsage(path: string): DiskFigures {
  return diskUsageFromStatfs(statfsSync(path));
}

/** This process's memory in bytes. */
export interface ProcessMemory {
  /** Resident set size. */
  rss: number;
  /** V8 heap in use. */
  heapUsed: number;
}

/** Reads this process's RSS and V8 heap used (process.memoryUsage). */
export function readProcessMemory(): ProcessMemory {
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

/** How many evenly spaced ranks `EventLoopDelaySnapshot.quantiles` holds. */
export const EVENT_LOOP_QUANTILE_POINTS = 100;

/** The event-loop delay distribution of one interval, in milliseconds beyond the timer's period. */
export interface EventLoopDelaySnapshot {
  /** How many timer ticks the histogram recorded in the interval. */
  count: number;
  /** Smallest delay. */
  min: number;
  /** Largest delay. */
  max: number;
  /** Mean delay. */
  mean: number;
  /** Median delay. */
  p50: number;
  /** 95th percentile. */
  p95: number;
  /** 99th percentile. */
  p99: number;
  /**
   * The delay at the ranks (i + 0.5) / EVENT_LOOP_QUANTILE_POINTS, i = 0 … 99, ascending: the
   * distribution's shape at 1 % rank resolution, so that it can be recorded into a sketch.
   */
  quantiles: number[];
}

const NS_PER_MS = 1e6;

/**
 * Measures event-loop delay as a distribution per interval: `start()` enables
 * `monitorEventLoopDelay` (10 ms resolution by default), `take()` returns the interval's
 * distribution (tick-to-tick time minus the resolution, see the module doc) and resets,
 * `stop()` disables it. The histogram's timer does not keep the
 * process alive.
 */
export class EventLoopDelayMonitor {
  private readonly histogram: IntervalHistogram;
  private running = false;

  /** @param resolutionMs the sampling timer's period (monitorEventLoopDelay's `resolution`), whole ms. */
  constructor(private readonly resolutionMs = 10) {
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  }

  /** Starts sampling (idempotent); the first interval begins now. */
  start(): void {
    if (this.running) return;
    this.histogram.reset();
    this.histogram.enable();
    this.running = true;
  }

  /** Stops sampling (idempotent). */
  stop(): void {
    if (!this.running) return;
    this.histogram.disable();
    this.running = false;
  }

  /** Whether the monitor is sampling. */
  isRunning(): boolean {
    return this.running;
  }

  /**
   * The distribution since the previous take (or start), then a reset. Null when the monitor
   * is not running or took no sample in the interval.
   */
  take(): EventLoopDelaySnapshot | null {
    if (!this.running) return null;
    const h = this.histogram;
    const count = h.count;
    const delay = (ns: number) => Math.max(0, ns / NS_PER_MS - this.resolutionMs);
    const snapshot: EventLoopDelaySnapshot | null =
      count > 0
        ? {
            count,
            min: delay(h.min),
            max: delay(h.max),
            mean: delay(h.mean),
            p50: delay(h.percentile(50)),
            p95: delay(h.percentile(95)),
            p99: delay(h.percentile(99)),
            quantiles: Array.from({ length: EVENT_LOOP_QUANTILE_POINTS }, (_, i) =>
              delay(h.percentile(((i + 0.5) * 100) / EVENT_LOOP_QUANTILE_POINTS)),
            ),
          }
        : null;
    h.reset();
    return snapshot;
  }
}
