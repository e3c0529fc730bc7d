/**
 * Fixtures of the network collector's tests: whether this machine can run them for real,
 * `/proc/net/dev` text in the kernel's layout, and loopback traffic of a known size.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

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

/** A keep-alive HTTP connection on loopback whose exchanges move a known number of bytes. */
export interface LoopbackPair {
  /** The server's port. */
  readonly port: number;
  /** The bytes sent each way per exchange. */
  readonly bytes: number;
  /** One request of `bytes` answered with `bytes`, on the one connection; resolves the bytes received. */
  exchange(): Promise<number>;
  /** The client socket's port, once it connected (0 before). */
  clientPort(): number;
  /** The conversation's service side as the flows show it: the lower of the two ports. */
  service(): string;
  close(): Promise<void>;
}

/** Starts a loopback server and a client with one keep-alive connection to it (made by the first exchange). */
export async function loopbackPair(bytes: number): Promise<LoopbackPair> {
  const payload = Buffer.alloc(bytes, 'x');
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(payload));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let clientPort = 0;
  return {
    port,
    bytes,
    exchange: () =>
      new Promise<number>((resolve, reject) => {
        const req = request({ port, host: '127.0.0.1', method: 'POST', agent }, (res) => {
          let received = 0;
          res.on('data', (chunk: Buffer) => (received += chunk.length));
          res.on('end', () => resolve(received));
        });
        req.on('socket', (socket) => socket.once('connect', () => (clientPort = socket.localPort ?? 0)));
        req.on('error', reject);
        req.end(payload);
      }),
    clientPort: () => clientPort,
    service: () => `127.0.0.1:${Math.min(port, clientPort)}`,
    async close() {
      agent.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
