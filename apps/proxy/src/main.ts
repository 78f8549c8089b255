// Process entry: argv and env in; everything else is in @mesh/proxy. V8 flags come first.
import './v8-flags.js';
import { runProxyProcess } from '@mesh/proxy';

await runProxyProcess(process.argv.slice(2), process.env);
