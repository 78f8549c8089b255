#!/usr/bin/env -S node --max-semi-space-size=1
// A 1 MiB young generation (V8's default grows to 16 MiB per semi-space): ~30-50 MiB less
// resident memory per sidecar under load, at the same throughput and tail (docs/benchmarks.md).
// It can only be set when node starts, hence here; `node bin/mesh-proxy.js` runs without it.
import '../dist/main.js';
