// Access-log lines written in batches: one write per line was a syscall per request (stdout to a
// file or pipe is synchronous in Node), the largest single cost of telemetry at saturation.
// Envoy buffers its access-log file writes too (flushed on size or a timer); here a batch goes out
// when it fills 256 KiB or 100 ms after its first line, so a person tailing the log still sees a
// request at once.
//
// 256 KiB, not 64: appending to a file on ext4 here costs ~0.1 ms of kernel time per write call
// on top of the bytes (measured in a loop: 1.7 µs of system time per line in 64 KiB writes, 1.0 in
// 256 KiB, 0.8 in 1 MiB; on tmpfs the size made no difference). In a whole sidecar the gain is
// near the noise: 1-4% less CPU per request, measured side by side (docs/benchmarks.md). A
// saturated sidecar fills 256 KiB in ~20 ms; 1 MiB would be flushed by the timer anyway and held
// a megabyte of memory for nothing.
//
// Lines are copied into one long-lived Buffer as they come rather than kept as strings: a string
// held for 100 ms outlives two young-generation collections and is promoted, and a sidecar
// logging 8 MB/s then paid for frequent full collections. Copied, each line dies at once; a line
// given to append() is written into the buffer without a string at all (access-log-bytes.ts).
export interface LineBuffer {
  /** Queues one line (without its newline). */
  push(line: string): void;
  /**
   * Queues one line that `write` puts straight into the batch at `at`, newline included,
   * returning where it ended; it may use up to `maxBytes`. False, with nothing queued, when
   * `maxBytes` is more than the whole buffer: the caller pushes a string instead.
   */
  append(maxBytes: number, write: (buf: Buffer, at: number) => number): boolean;
  /** Writes what is queued now (at exit, and in tests). */
  flush(): void;
}

export interface LineBufferOptions {
  readonly maxBytes?: number;
  readonly maxDelayMs?: number;
}

/**
 * `write` gets each batch as a view of the buffer, valid only during the call: it must write it
 * synchronously or copy it.
 */
export function createLineBuffer(
  write: (chunk: Buffer) => void,
  options: LineBufferOptions = {},
): LineBuffer {
  const buffer = Buffer.allocUnsafe(options.maxBytes ?? 256 * 1024);
  const maxDelayMs = options.maxDelayMs ?? 100;
  let used = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (used === 0) return;
    const chunk = buffer.subarray(0, used);
    used = 0;
    write(chunk);
  };
  const queued = () => {
    if (used === buffer.length) flush();
    // Unref'd: a queued line never keeps the process alive; exit paths flush explicitly.
    else if (timer === undefined) timer = setTimeout(flush, maxDelayMs).unref();
  };
  return {
    push(line) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit: with that much room the line is written
      // without measuring it first, a second pass over every line.
      if (line.length * 3 + 1 > buffer.length - used) {
        const bytes = Buffer.byteLength(line) + 1;
        if (bytes > buffer.length - used) flush();
        if (bytes > buffer.length) {
          // A line longer than the whole buffer goes out on its own.
          write(Buffer.from(`${line}\n`));
          return;
        }
      }
      used += buffer.write(line, used);
      buffer[used++] = 0x0a;
      queued();
    },
    append(maxBytes, write) {
      if (maxBytes > buffer.length) return false;
      if (maxBytes > buffer.length - used) flush();
      used = write(buffer, used);
      queued();
      return true;
    },
    flush,
  };
}
