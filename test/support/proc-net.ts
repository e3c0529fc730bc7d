/**
 * Fixtures of the network collector's tests: whether this machine can run them for real, and
 * `/proc/net/dev` text in the kernel's layout.
 * @module
 */
import { execFileSync } from 'node:child_process';

/** Whether this is Linux, where /proc/net exists. */
export const LINUX = process.platform === 'linux';

/** Whether iproute2's `ss` can be run here. */
export const HAS_SS = (() => {
  try {
    execFileSync('ss', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** The two header lines of `/proc/net/dev`. */
export const PROC_NET_DEV_HEAD = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
`;

/** `/proc/net/dev` text of interfaces given as [name, rx bytes, rx packets, tx bytes, tx packets]. */
export function procNetDev(rows: ReadonlyArray<readonly [string, number | bigint, number, number | bigint, number]>): string {
  return (
    PROC_NET_DEV_HEAD + rows.map(([n, rb, rp, tb, tp]) => `  ${n}: ${rb} ${rp} 0 0 0 0 0 0 ${tb} ${tp} 0 0 0 0 0 0`).join('\n') + '\n'
  );
}
