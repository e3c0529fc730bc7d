/**
 * The demo's live traffic: synthetic requests recorded into a running Velocity at a
 * realistic pace (the scenario's rates at the current time of day), as an instrumented
 * service would record them.
 * @module
 */
import type { Velocity } from '../velocity.js';
import { drawClass, drawLatency, newRouteTraffic, routeTraffic, type DemoScenario } from './demo-data.js';
import { hashInts, mulberry32, poisson } from './random.js';

/** How often a tick of live requests is recorded. */
const LIVE_TICK_MS = 250;

/** Live traffic in progress. */
export interface LiveTraffic {
  /** Stops generating requests. */
  stop(): void;
}

/**
 * Records, every LIVE_TICK_MS, a Poisson-distributed number of requests per route (a few per
 * second on the hot routes at the daily peak) with the status classes and latencies the
 * scenario gives for the moment, until stopped.
 */
export function startLiveTraffic(velocity: Velocity, scenario: DemoScenario): LiveTraffic {
  const rand = mulberry32(hashInts(scenario.seed, 0x11fe));
  const traffic = newRouteTraffic();
  const timer = setInterval(() => {
    const now = Date.now();
    scenario.routes.forEach((route, r) => {
      routeTraffic(scenario, r, now, traffic);
      const requests = poisson(rand, (traffic.rps * LIVE_TICK_MS) / 1000);
      for (let i = 0; i < requests; i++) {
        const classIndex = drawClass(traffic, rand);
        velocity.http.recordClass(route.method, route.route, classIndex, drawLatency(traffic, classIndex, rand));
      }
    });
  }, LIVE_TICK_MS);
  return { stop: () => clearInterval(timer) };
}
