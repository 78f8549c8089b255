// From parsed flags to a listening service: picks the routes of the workload, binds the port,
// and gives back one way to stop it all.
import type { Server as HttpServer } from 'node:http';
import type { Server as NetServer } from 'node:net';
import type { ServiceArgs } from './args.js';
import { detailsRoutes } from './details.js';
import { closeHttpService, createHttpService, type Route } from './http-service.js';
import { accessLine, httpbinRoutes } from './httpbin.js';
import { productpageRoutes, type ProductpageOptions } from './productpage.js';
import { ratingsRoutes } from './ratings.js';
import { reviewsRoutes, type ReviewsOptions } from './reviews.js';
import { createTcpEcho } from './tcp-echo.js';
import { UpstreamClient, type UpstreamConfig } from './upstream-client.js';

export interface RunningService {
  readonly host: string;
  readonly port: number;
  /** Stops accepting, closes kept-alive connections in and out. */
  close(): Promise<void>;
}

/** Knobs the command line does not have, for tests. */
export interface ServiceTuning {
  readonly productpageCalls?: ProductpageOptions['calls'];
  readonly ratingsCalls?: ReviewsOptions['ratingsCalls'];
}

/** Where httpbin's access lines go (one line each, without its newline): stdout by default. */
export type AccessLog = (line: string) => void;

const stdoutAccessLog: AccessLog = (line) => void process.stdout.write(`${line}\n`);

export async function startService(
  args: ServiceArgs,
  upstreamConfig: UpstreamConfig,
  tuning: ServiceTuning = {},
  accessLog: AccessLog = stdoutAccessLog,
): Promise<RunningService> {
  if (args.service === 'tcp-echo') {
    const echo = createTcpEcho(args.prefix ?? 'one');
    const port = await listen(echo.server, args);
    return { host: args.host, port, close: () => echo.close() };
  }

  if (args.service === 'httpbin') {
    // No upstream client: httpbin calls nobody.
    const server = createHttpService(httpbinRoutes(), {
      onAnswered: (req, status) => accessLog(accessLine(req, status, args.version)),
    });
    const port = await listen(server, args);
    return { host: args.host, port, close: () => closeHttpService(server) };
  }

  const upstream = new UpstreamClient(upstreamConfig);
  const server = createHttpService(routesOf(args, upstream, tuning));
  let port: number;
  try {
    port = await listen(server, args);
  } catch (err) {
    upstream.close();
    throw err;
  }
  return {
    host: args.host,
    port,
    close: async () => {
      await closeHttpService(server);
      upstream.close();
    },
  };
}

function routesOf(args: ServiceArgs, upstream: UpstreamClient, tuning: ServiceTuning): Route[] {
  switch (args.service) {
    case 'productpage':
      return productpageRoutes({
        upstream,
        ...(tuning.productpageCalls ? { calls: tuning.productpageCalls } : {}),
      });
    case 'details':
      return detailsRoutes();
    case 'reviews':
      return reviewsRoutes({
        version: args.version,
        upstream,
        ...(tuning.ratingsCalls ? { ratingsCalls: tuning.ratingsCalls } : {}),
      });
    case 'ratings':
      return ratingsRoutes();
    case 'httpbin':
    case 'tcp-echo':
      throw new Error(`${args.service} is started on its own`);
  }
}

function listen(server: HttpServer | NetServer, args: ServiceArgs): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(args.port, args.host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : args.port);
    });
  });
}

/** A start failure in words a person can act on. */
export function describeStartError(err: unknown, args: ServiceArgs): string {
  const e = err as NodeJS.ErrnoException;
  const where = `${args.host}:${args.port}`;
  switch (e.code) {
    case 'EADDRINUSE':
      return `port ${args.port} is already in use on ${args.host} (pick another with --port, or --port 0)`;
    case 'EACCES':
      return `not allowed to listen on ${where} (ports below 1024 need privileges)`;
    case 'EADDRNOTAVAIL':
      return `${args.host} is not an address of this machine (--host)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve --host ${args.host}`;
    default:
      return `cannot listen on ${where}: ${e.message ?? String(err)}`;
  }
}
