import { createServer, type Server } from 'node:http';
import type { MetricsEndpointOptions, MetricsRegistry } from './metrics.js';
import { cannotListen } from '../errors/factories.js';

/** A running metrics endpoint. */
export interface MetricsEndpoint {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  /** Stops serving and closes open connections. Safe to call twice. */
  close(): Promise<void>;
}

/** Defaults of the metrics endpoint: loopback, a free port, `/metrics`. */
export const DEFAULT_METRICS_ENDPOINT = Object.freeze({ host: '127.0.0.1', port: 0, path: '/metrics' });

/**
 * Serves `registry` in the Prometheus text format on a small `node:http` server: `GET`
 * (or `HEAD`) of the path only, nothing read from the request, short timeouts, so the
 * endpoint cannot be used to hold the process open or feed it data.
 */
export async function serveMetrics(registry: MetricsRegistry, options: MetricsEndpointOptions = {}): Promise<MetricsEndpoint> {
  const { host, port, path } = { ...DEFAULT_METRICS_ENDPOINT, ...options };
  const server: Server = createServer((request, response) => {
    const url = (request.url ?? '').split('?')[0];
    if (url !== path) return void response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return void response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(request.method === 'HEAD' ? undefined : text),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => reject(cannotListen('metrics endpoint', host, port, error));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  let closing: Promise<void> | undefined;
  return {
    host,
    port: bound,
    path,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
