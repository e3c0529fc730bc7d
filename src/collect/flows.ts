/**
 * TCP conversations: the busiest connections of an interval, folded so that a series is kept
 * per conversation rather than per connection. A conversation is a connection's two addresses
 * with the ephemeral port dropped: by the usual convention the higher of the two ports is the
 * client's, picked by the kernel for this one connection, and is replaced by `*`; the lower
 * is the service's (`10.0.0.5:5432 ↔ 10.0.0.9:*`). Reconnections and keep-alive pools then add
 * to one conversation instead of each becoming a series of their own.
 * @module
 */
import type { BusyConnection } from './network.js';

/** What replaces the ephemeral port of a conversation's client side. */
export const EPHEMERAL_PORT = '*';

/** One conversation's bytes within an interval. */
export interface Conversation {
  /** This host's side, `address:port`, the port `*` when it is the client side. */
  local: string;
  /** The other side, same form. */
  peer: string;
  /** Bytes sent and acknowledged by the peer (tcpi_bytes_acked increases). */
  bytesSent: number;
  /** Bytes received in order (tcpi_bytes_received increases). */
  bytesReceived: number;
}

/** Splits an address as `ss` prints it (`127.0.0.1:80`, `[::1]:80`, `127.0.0.53%lo:53`) into host and port (null when there is none). */
export function splitAddress(address: string): { host: string; port: number | null } {
  const colon = address.lastIndexOf(':');
  const port = address.slice(colon + 1);
  if (colon <= 0 || !/^\d+$/.test(port)) return { host: address, port: null };
  return { host: address.slice(0, colon), port: Number(port) };
}

/** The conversation of a connection: its endpoints with the higher port replaced by `*` (the peer's when both are equal). */
export function conversationEndpoints(local: string, peer: string): { local: string; peer: string } {
  const l = splitAddress(local);
  const p = splitAddress(peer);
  if (l.port === null || p.port === null) return { local, peer };
  return l.port > p.port ? { local: `${l.host}:${EPHEMERAL_PORT}`, peer } : { local, peer: `${p.host}:${EPHEMERAL_PORT}` };
}

/**
 * Folds connections into conversations, summing the bytes each moved within the interval, and
 * returns the `limit` busiest (by bytes sent + received), leaving out those that moved nothing.
 */
export function busiestConversations(connections: readonly BusyConnection[], limit: number): Conversation[] {
  const byKey = new Map<string, Conversation>();
  for (const c of connections) {
    const { local, peer } = conversationEndpoints(c.local, c.peer);
    const key = `${local} ${peer}`;
    const conversation = byKey.get(key);
    if (conversation === undefined) byKey.set(key, { local, peer, bytesSent: c.bytesAcked, bytesReceived: c.bytesReceived });
    else {
      conversation.bytesSent += c.bytesAcked;
      conversation.bytesReceived += c.bytesReceived;
    }
  }
  return [...byKey.values()]
    .filter((c) => c.bytesSent + c.bytesReceived > 0)
    .sort((a, b) => b.bytesSent + b.bytesReceived - (a.bytesSent + a.bytesReceived) || a.local.localeCompare(b.local) || a.peer.localeCompare(b.peer))
    .slice(0, limit);
}
