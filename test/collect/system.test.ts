import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SystemSampler } from '../../src/collect/system.js';
import {
  EventLoopDelayMonitor,
  cpuTimesFromOs,
  cpuUsagePercent,
  diskUsageFromStatfs,
  parseMeminfo,
  parseProcStat,
  parseThermalTemp,
  pickCpuTemperature,
  readCpuTemperature,
  readCpuTimes,
  readDiskUsage,
  readMemory,
} from '../../src/collect/system-readers.js';
import { tempDir } from '../support/tmp.js';

const linux = process.platform === 'linux';
const hasDf = (() => {
  try {
    execFileSync('df', ['--output=pcent', '.'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const PROC_STAT = `cpu  100 5 50 800 20 3 2 10 7 0
cpu0 50 2 25 400 10 1 1 5 3 0
intr 6278091 0 0
ctxt 15709306
`;

const MEMINFO = `MemTotal:       16000000 kB
MemFree:         2000000 kB
MemAvailable:    4000000 kB
Buffers:           32692 kB
`;

describe('CPU usage', () => {
  it('parses the aggregate cpu line: busy without guest, idle with iowait', () => {
    assert.deepEqual(parseProcStat(PROC_STAT), { busy: 100 + 5 + 50 + 3 + 2 + 10, idle: 820 });
    assert.deepEqual(parseProcStat('cpu  1 2 3 4\n'), { busy: 6, idle: 4 });
    assert.equal(parseProcStat('cpu0 1 2 3 4\n'), null);
    assert.equal(parseProcStat('cpu  1 x 3 4\n'), null);
    assert.equal(parseProcStat('cpu  1 2\n'), null);
  });

  it('computes the busy share between two samples, null when nothing elapsed or a counter went back', () => {
    assert.equal(cpuUsagePercent({ busy: 100, idle: 900 }, { busy: 130, idle: 970 }), 30);
    assert.equal(cpuUsagePercent({ busy: 100, idle: 900 }, { busy: 100, idle: 900 }), null);
    assert.equal(cpuUsagePercent({ busy: 100, idle: 900 }, { busy: 90, idle: 1000 }), null);
  });

  it('sums os.cpus() times', () => {
    const t = { user: 10, nice: 1, sys: 5, idle: 80, irq: 4 };
    assert.deepEqual(cpuTimesFromOs([{ times: t }, { times: t }]), { busy: 40, idle: 160 });
    assert.equal(cpuTimesFromOs([]), null);
  });

  it('reads this machine (from /proc/stat on Linux) and measures a busy loop as > 0 %', () => {
    const before = readCpuTimes();
    const until = Date.now() + 150;
    while (Date.now() < until);
    const usage = cpuUsagePercent(before, readCpuTimes());
    assert.ok(usage !== null && usage > 0 && usage <= 100, `usage ${usage}`);
    const viaOs = readCpuTimes('darwin');
    assert.ok(viaOs.busy > 0 && viaOs.idle >= 0);
  });
});

describe('CPU temperature', () => {
  const zone = (zone: string, type: string, celsius: number) => ({ zone, type, celsius });

  it('prefers the hottest CPU-package zone, else the hottest of any, else null', () => {
    assert.deepEqual(pickCpuTemperature([zone('z0', 'acpitz', 70), zone('z1', 'x86_pkg_temp', 55), zone('z2', 'cpu-thermal', 60)]), zone('z2', 'cpu-thermal', 60));
    assert.deepEqual(pickCpuTemperature([zone('z0', 'acpitz', 40), zone('z1', 'iwlwifi_1', 45)]), zone('z1', 'iwlwifi_1', 45));
    assert.equal(pickCpuTemperature([]), null);
  });

  it('parses millidegrees and rejects error values', () => {
    assert.equal(parseThermalTemp('45500\n'), 45.5);
    assert.equal(parseThermalTemp('-274000'), null);
    assert.equal(parseThermalTemp('N/A'), null);
  });

  it('reads a thermal directory, leaving out unreadable zones; null when the directory is absent', () => {
    const { dir, remove } = tempDir();
    try {
      const make = (name: string, type: string | null, temp: string | null) => {
        mkdirSync(join(dir, name));
        if (type !== null) writeFileSync(join(dir, name, 'type'), `${type}\n`);
        if (temp !== null) writeFileSync(join(dir, name, 'temp'), `${temp}\n`);
      };
      make('thermal_zone0', 'acpitz', '80000');
      make('thermal_zone1', 'x86_pkg_temp', '51000');
      make('thermal_zone2', 'x86_pkg_temp', null);
      make('cooling_device0', 'Processor', '99000');
      assert.deepEqual(readCpuTemperature(dir), { zone: 'thermal_zone1', type: 'x86_pkg_temp', celsius: 51 });
      assert.equal(readCpuTemperature(join(dir, 'absent')), null);
    } finally {
      remove();
    }
  });

  it('reads this machine: null or a plausible °C', () => {
    const t = readCpuTemperature();
    assert.ok(t === null || (t.celsius > -40 && t.celsius < 130), JSON.stringify(t));
  });
});

describe('memory', () => {
  it('uses MemAvailable: used = total − available, in bytes', () => {
    assert.deepEqual(parseMeminfo(MEMINFO), { total: 16000000 * 1024, available: 4000000 * 1024, used: 12000000 * 1024, percent: 75 });
    assert.throws(() => parseMeminfo('MemTotal: 100 kB\nMemFree: 50 kB\n'), /MemAvailable/);
  });

  it('reads this machine: total > used > 0, percent within 0–100', () => {
    for (const m of [readMemory(), readMemory('darwin')]) {
      assert.ok(m.total > m.used && m.used > 0, JSON.stringify(m));
      assert.ok(m.percent > 0 && m.percent < 100);
    }
  });
});

describe('disk', () => {
  it('computes total, used and a df-style percent from statfs', () => {
    // 100 blocks of 4 KiB, 30 free of which 20 available to users: used 70, df % = 70/(70+20) → 78
    assert.deepEqual(diskUsageFromStatfs({ bsize: 4096, blocks: 100, bfree: 30, bavail: 20 }), {
      total: 409600,
      used: 286720,
      available: 81920,
      percent: 78,
    });
    assert.equal(diskUsageFromStatfs({ bsize: 4096, blocks: 0, bfree: 0, bavail: 0 }).percent, 0);
  });

  it('reads this machine: total > used > 0, and throws for a missing path', () => {
    const d = readDiskUsage('.');
    assert.ok(d.total > d.used && d.used > 0 && d.percent > 0 && d.percent <= 100, JSON.stringify(d));
    assert.throws(() => readDiskUsage('/no/such/dir'));
  });

  it('agrees with df on this machine', { skip: !hasDf && 'no GNU df' }, () => {
    const [size, used, pcent] = execFileSync('df', ['-B1', '--output=size,used,pcent', '.'], { encoding: 'utf8' }).trim().split('\n')[1].trim().split(/\s+/);
    const d = readDiskUsage('.');
    assert.equal(d.total, Number(size));
    assert.ok(Math.abs(d.used - Number(used)) < 64 * 1024 * 1024, `used ${d.used} vs df ${used}`); // the disk may change in between
    assert.ok(Math.abs(d.percent - Number(pcent.replace('%', ''))) <= 1, `${d.percent} vs df ${pcent}`);
  });
});

describe('EventLoopDelayMonitor', () => {
  it('reports the distribution of a blocked loop per interval, then resets', async () => {
    const monitor = new EventLoopDelayMonitor(5);
    assert.equal(monitor.take(), null);
    monitor.start();
    try {
      await new Promise((r) => setTimeout(r, 30));
      const until = Date.now() + 120;
      while (Date.now() < until);
      await new Promise((r) => setTimeout(r, 30));
      const s = monitor.take();
      assert.ok(s !== null && s.count > 0, JSON.stringify(s));
      assert.ok(s.max >= 100 && s.max < 2000, `max ${s.max} ms`);
      assert.ok(s.min <= s.p50 && s.p50 <= s.p95 && s.p95 <= s.p99 && s.p99 <= s.max);
      await new Promise((r) => setTimeout(r, 40));
      const next = monitor.take();
      assert.ok(next === null || next.max < 100, `reset: ${JSON.stringify(next)}`);
    } finally {
      monitor.stop();
    }
    assert.equal(monitor.isRunning(), false);
  });
});

describe('SystemSampler', () => {
  it('samples this machine with plausible values and no errors', async () => {
    const sampler = new SystemSampler();
    sampler.start();
    try {
      await new Promise((r) => setTimeout(r, 60));
      const s = sampler.sample();
      assert.deepEqual(s.errors, []);
      assert.ok(s.cpuUsagePercent === null || (s.cpuUsagePercent >= 0 && s.cpuUsagePercent <= 100));
      assert.ok(s.loadAverage !== null && s.loadAverage.every((l) => l >= 0));
      assert.ok(s.memory !== null && s.memory.total > s.memory.used && s.memory.used > 0);
      assert.ok(s.disk !== null && s.disk.total > s.disk.used && s.disk.used > 0);
      assert.ok(s.process !== null && s.process.rss > s.process.heapUsed && s.process.heapUsed > 0);
      assert.ok(s.eventLoopDelay !== null && s.eventLoopDelay.count > 0);
      assert.ok(s.eventLoopDelay.min < 5, `an idle loop's delay excludes the 10 ms timer period: ${JSON.stringify(s.eventLoopDelay)}`);
      const until = Date.now() + 100;
      while (Date.now() < until);
      const busy = sampler.sample();
      assert.ok(busy.cpuUsagePercent !== null && busy.cpuUsagePercent > 0 && busy.cpuUsagePercent <= 100, `${busy.cpuUsagePercent}`);
    } finally {
      sampler.stop();
    }
  });

  it('never throws: a failed read is null plus an error', { skip: !linux && 'reads a fake /proc' }, () => {
    const { dir, remove } = tempDir();
    try {
      writeFileSync(join(dir, 'stat'), PROC_STAT);
      writeFileSync(join(dir, 'meminfo'), 'MemTotal: 100 kB\n');
      const sampler = new SystemSampler({ procRoot: dir, diskPath: join(dir, 'missing'), thermalRoot: join(dir, 'none') });
      writeFileSync(join(dir, 'stat'), 'garbage\n');
      const s = sampler.sample();
      assert.equal(s.memory, null);
      assert.equal(s.disk, null);
      assert.equal(s.cpuUsagePercent, null);
      assert.equal(s.cpuTemperature, null);
      assert.equal(s.eventLoopDelay, null);
      assert.ok(s.process !== null && s.loadAverage !== null);
      assert.deepEqual(s.errors.map((e) => e.field).sort(), ['cpuUsagePercent', 'disk', 'memory']);
      assert.match(s.errors.find((e) => e.field === 'memory')!.message, /MemAvailable/);
    } finally {
      remove();
    }
  });
});
