// `mesh-proxy` as a process: flags -> a running sidecar, signals -> drain. The app only calls this.
import { parseProxyFlags } from './flags.js';
import { startProxy } from './proxy.js';

export async function runProxyProcess(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  let flags;
  try {
    flags = parseProxyFlags(argv, env);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message: string };
    if (e.code?.startsWith('commander.')) process.exit(e.exitCode === 0 ? 0 : 2);
    process.stderr.write(`mesh-proxy: ${e.message}\n`);
    process.exit(2);
  }
  try {
    const proxy = await startProxy({
      ...flags,
      log,
      accessLog:
        env['MESH_ACCESS_LOG'] === 'off' ? undefined : (line) => process.stdout.write(`${line}\n`),
    });
    log(
      `mesh-proxy ${flags.node.id} started${flags.node.locality ? ` in ${flags.node.locality}` : ''}: outbound 127.0.0.1:${proxy.outboundPort} admin 127.0.0.1:${proxy.adminPort} health :${proxy.healthPort}, control plane ${flags.controlPlane}`,
    );
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log(`${signal}: draining`);
      void proxy.drain().then(() => process.exit(0));
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  } catch (err) {
    process.stderr.write(`mesh-proxy: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
