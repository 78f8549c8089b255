// Process entry: the only place that knows about argv and the exit code.
import { nodeIo, runMeshctl } from '@mesh/cli';

process.exitCode = await runMeshctl(process.argv.slice(2), nodeIo());
