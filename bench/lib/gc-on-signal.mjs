// Loaded into every peer (`node --expose-gc --import`, `bun --preload`): on SIGUSR2 the peer runs a
// full garbage collection and says so, with the JavaScript heap then in use. Idle memory is read
// again after it, without the garbage the connect burst left, which each runtime collects whenever
// it happens to; the heap in use is what the peer's objects hold, without RSS's allocator and
// young-generation noise.
process.on('SIGUSR2', () => {
  if (typeof Bun !== 'undefined') Bun.gc(true);
  else {
    // The second pass frees what the first one's finalizers released.
    globalThis.gc();
    globalThis.gc();
  }
  process.stderr.write(`bench-gc-done heap=${process.memoryUsage().heapUsed}\n`);
});
