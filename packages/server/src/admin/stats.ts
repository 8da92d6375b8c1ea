import type { Counter } from 'prom-client';
import type { RealtimeNode } from '../core/index.js';
import type { StatsSample } from './types.js';

export const SAMPLE_INTERVAL_MS = 5_000;
const WINDOW_MS = 15 * 60_000;

async function total(counter: Counter<string>): Promise<number> {
  const { values } = await counter.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

/**
 * The last 15 minutes of message rates, sampled from the node's own counters, so the overview
 * chart has history as soon as the page opens (Prometheus may not be deployed at all).
 */
export class StatsHistory {
  private readonly samples: StatsSample[] = [];
  private previous: { t: number; in: number; out: number } | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly node: RealtimeNode,
    private readonly intervalMs = SAMPLE_INTERVAL_MS,
  ) {}

  start(): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  list(): StatsSample[] {
    return [...this.samples];
  }

  private async sample(): Promise<void> {
    const { metrics, sessions } = this.node;
    const now = { t: Date.now(), in: (await total(metrics.commands)) + (await total(metrics.apiRequests)), out: await total(metrics.pushes) };
    const before = this.previous;
    this.previous = now;
    if (!before) return;
    const seconds = Math.max(0.001, (now.t - before.t) / 1000);
    this.samples.push({
      t: now.t,
      in: round((now.in - before.in) / seconds),
      out: round((now.out - before.out) / seconds),
      connections: sessions.size,
    });
    if (this.samples.length > WINDOW_MS / this.intervalMs) this.samples.shift();
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
