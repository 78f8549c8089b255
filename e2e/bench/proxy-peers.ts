// The peers of the proxy benchmark, with generated configs in the run's temp dir: the nginx
// upstream (GET / -> 200 with a fixed body) and nginx and HAProxy as plain reverse proxies with
// keep-alive to their next hop. The configs match `shared/tools/peer-bench.sh`, so the two
// harnesses measure the same peers.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shebangNodeFlags } from '../support/shebang.js';
import { findUp } from './control-plane-process.js';
import { spawnPinned, type Pinned } from './proxy-process.js';

function nginxCommon(dir: string): string {
  return `worker_processes 1;
daemon off;
master_process on;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
`;
}

function nginxHttpCommon(dir: string): string {
  return `  access_log off;
  keepalive_timeout 75s;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/client_body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
`;
}

function startNginx(name: string, work: string, cpu: number, server: string): Pinned {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, `${nginxCommon(dir)}http {\n${nginxHttpCommon(dir)}${server}}\n`);
  return spawnPinned(name, 'nginx', ['-p', dir, '-c', conf, '-e', 'stderr'], {
    cpu,
    logFile: join(work, `${name}.log`),
  });
}

/** nginx answering GET / with `bodyBytes` bytes of 'x' (text/plain) from memory. */
export function startNginxUpstream(
  work: string,
  cpu: number,
  port: number,
  bodyBytes: number,
): Pinned {
  const body = 'x'.repeat(bodyBytes);
  return startNginx(
    'upstream',
    work,
    cpu,
    `  server {
    listen 127.0.0.1:${port};
    location / { default_type text/plain; return 200 "${body}"; }
  }
`,
  );
}

/** nginx as a reverse proxy on `port` to 127.0.0.1:`target`, keep-alive both sides. */
export function startNginxProxy(
  name: string,
  work: string,
  cpu: number,
  port: number,
  target: number,
): Pinned {
  return startNginx(
    name,
    work,
    cpu,
    `  upstream backend {
    server 127.0.0.1:${target};
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
`,
  );
}

/** HAProxy (one thread) in HTTP mode on `port` to 127.0.0.1:`target`, connections reused. */
export function startHaproxy(
  name: string,
  work: string,
  cpu: number,
  port: number,
  target: number,
): Pinned {
  const cfg = join(work, `${name}.cfg`);
  writeFileSync(
    cfg,
    `global
  nbthread 1
  maxconn 4096
defaults
  mode http
  http-reuse always
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend fe
  bind 127.0.0.1:${port}
  default_backend be
backend be
  server up 127.0.0.1:${target}
`,
  );
  return spawnPinned(name, 'haproxy', ['-db', '-f', cfg], {
    cpu,
    logFile: join(work, `${name}.log`),
  });
}

/**
 * node-floor.js (byte pipe or minimal L7 proxy) on `port` to 127.0.0.1:`target`, with the node
 * flags of mesh-proxy's bin, so the floor and the sidecar run on the same Node settings.
 */
export function startNodeFloor(
  name: string,
  work: string,
  cpu: number,
  kind: 'floor-pipe' | 'floor-l7',
  port: number,
  target: number,
): Pinned {
  const script = fileURLToPath(new URL('./node-floor.js', import.meta.url));
  const flags = shebangNodeFlags(findUp('apps/proxy/bin/mesh-proxy.js'));
  const mode = kind === 'floor-pipe' ? 'pipe' : 'l7';
  return spawnPinned(
    name,
    process.execPath,
    [...flags, script, mode, String(port), String(target)],
    { cpu, logFile: join(work, `${name}.log`) },
  );
}
