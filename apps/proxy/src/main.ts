// Process entry: argv and env in; everything else is in @mesh/proxy.
import { runProxyProcess } from '@mesh/proxy';

await runProxyProcess(process.argv.slice(2), process.env);
