import { Worker } from 'node:worker_threads';

/** The subscriber threads; each command goes to every worker and resolves with their answers. */
export class SubscriberPool {
  constructor(size) {
    this.workers = Array.from({ length: size }, () => new Worker(new URL('./subscriber-worker.mjs', import.meta.url)));
  }

  ask(worker, message) {
    return new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.postMessage(message);
    }).finally(() => worker.removeAllListeners('error'));
  }

  all(message) {
    return Promise.all(this.workers.map((worker) => this.ask(worker, message)));
  }

  /** Splits `count` subscribers over the workers. */
  async connect(target, count, options) {
    let firstIndex = 0;
    const shares = this.workers.map((_, i) => Math.floor(count / this.workers.length) + (i < count % this.workers.length ? 1 : 0));
    const answers = await Promise.all(this.workers.map((worker, i) => {
      const message = { cmd: 'connect', target, count: shares[i], firstIndex, ...options };
      firstIndex += shares[i];
      return this.ask(worker, message);
    }));
    return answers;
  }

  async delivered() {
    const stats = await this.all({ cmd: 'stats' });
    return stats.reduce((sum, s) => sum + s.delivered, 0);
  }

  async openCount() {
    const stats = await this.all({ cmd: 'stats' });
    return stats.reduce((sum, s) => sum + s.open, 0);
  }

  async samples() {
    const stats = await this.all({ cmd: 'stats', withSamples: true });
    return { delivered: stats.reduce((sum, s) => sum + s.delivered, 0), samples: stats.flatMap((s) => s.samples) };
  }

  /** Keeps the first `keep` subscribers in total. */
  trim(keep) {
    const per = Math.floor(keep / this.workers.length);
    return Promise.all(this.workers.map((worker, i) => this.ask(worker, { cmd: 'trim', keep: per + (i < keep % this.workers.length ? 1 : 0) })));
  }

  async close() {
    await this.all({ cmd: 'close' });
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
