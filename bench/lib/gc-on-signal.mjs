// Loaded into every peer (`node --expose-gc --import`, `bun --preload`): on SIGUSR2 the peer runs a
// full garbage collection and says so. Idle memory is read again after it, without the garbage the
// connect burst left, which each runtime collects whenever it happens to.
process.on('SIGUSR2', () => {
  if (typeof Bun !== 'undefined') Bun.gc(true);
  else {
    // The second pass frees what the first one's finalizers released.
    globalThis.gc();
    globalThis.gc();
  }
  process.stderr.write('bench-gc-done\n');
});
