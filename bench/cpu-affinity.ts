/**
 * Pinning processes to CPU cores with util-linux's `taskset`, so that a server and its load
 * generator each have a core of their own instead of migrating between them.
 * @module
 */
import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';

/** Whether `taskset` runs here and the machine has at least `cores` cores to pin to. */
export function canPin(cores: number): boolean {
  if (os.availableParallelism() < cores) return false;
  const result = spawnSync('taskset', ['--version'], { stdio: 'ignore' });
  return result.error === undefined && result.status === 0;
}

/**
 * Pins every thread of this process to core `cpu`, and returns a function that gives them
 * back the cores they had.
 */
export function pinThisProcess(cpu: number): () => void {
  const pid = String(process.pid);
  const before = /list: (\S+)/.exec(execFileSync('taskset', ['-cp', pid], { encoding: 'utf8' }))?.[1];
  if (before === undefined) throw new Error('taskset did not report the affinity of this process');
  execFileSync('taskset', ['-a', '-cp', String(cpu), pid], { stdio: 'ignore' });
  return () => void execFileSync('taskset', ['-a', '-cp', before, pid], { stdio: 'ignore' });
}

/** The command and arguments that run `command args…` pinned to core `cpu`. */
export function pinnedCommand(cpu: number, command: string, args: readonly string[]): [string, string[]] {
  return ['taskset', ['-c', String(cpu), command, ...args]];
}
