// Moleculer with its TCP transporter. It has no TLS: this contender runs in plaintext.
import { ServiceBroker } from 'moleculer';
import { type BenchClient, type BenchPki, type BenchServer, type Contender } from '../contender.js';
import { echo, type EchoRequest } from '../workload.js';
import { freePort } from '../net.js';

function broker(nodeID: string, port: number, peers: readonly string[]): ServiceBroker {
  return new ServiceBroker({
    nodeID,
    logger: false,
    transporter: { type: 'TCP', options: { udpDiscovery: false, port, urls: [...peers] } },
  });
}

/** The Moleculer TCP (plaintext) contender. */
export const moleculerTcp: Contender = {
  name: 'moleculer-tcp',
  async serve(_pki: BenchPki): Promise<BenchServer> {
    const port = await freePort();
    const server = broker('bench-server', port, []);
    server.createService({ name: 'echo', actions: { echo: (ctx) => echo(ctx.params as EchoRequest) } });
    await server.start();
    return { port, close: () => server.stop() };
  },
  async connect(_pki: BenchPki, port: number): Promise<BenchClient> {
    const client = broker(`bench-client-${process.pid}`, 0, [`127.0.0.1:${port}/bench-server`]);
    await client.start();
    await client.waitForServices('echo', 10_000);
    return {
      call: (request: EchoRequest) => client.call('echo.echo', request),
      async close() {
        await client.stop();
      },
    };
  },
};
