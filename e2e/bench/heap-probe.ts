// Preloaded into the control plane by the bench (node --expose-gc --import): on SIGUSR2 it runs
// a full GC and writes process.memoryUsage() to $BENCH_HEAP_PROBE_FILE, so RSS can be read
// without the garbage of the last push in it. The control plane's own code is untouched.
import { renameSync, writeFileSync } from 'node:fs';

const SETTLE_MS = 500;
const file = process.env['BENCH_HEAP_PROBE_FILE'];
const gc = (globalThis as { gc?: () => void }).gc;
if (file && gc) {
  process.on('SIGUSR2', () => {
    gc();
    // V8 frees ArrayBuffer backing stores on a background thread after the GC; until it has,
    // they still count as external memory. A second GC a moment later finds them gone.
    setTimeout(() => {
      gc();
      // Written whole then renamed, so the bench never reads half a file.
      writeFileSync(`${file}.tmp`, JSON.stringify(process.memoryUsage()));
      renameSync(`${file}.tmp`, file);
    }, SETTLE_MS);
  });
}
