// grpc-js with mutual TLS: createSsl with the client certificate checked.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { SERVER_DNS, type BenchClient, type BenchPki, type BenchServer, type Contender } from '../contender.js';
import { echo, type EchoRequest } from '../workload.js';

const PROTO = fileURLToPath(new URL('../../src/echo.proto', import.meta.url));

interface EchoStub extends grpc.Client {
  echo(request: EchoRequest, callback: (error: grpc.ServiceError | null, reply?: unknown) => void): void;
}

function loadEcho(): grpc.ServiceClientConstructor {
  const definition = protoLoader.loadSync(PROTO, { keepCase: true, longs: Number, defaults: true });
  const bench = grpc.loadPackageDefinition(definition)['bench'] as grpc.GrpcObject;
  return bench['Echo'] as grpc.ServiceClientConstructor;
}

/** The grpc-js contender. */
export const grpcJs: Contender = {
  name: 'grpc-js',
  async serve(pki: BenchPki): Promise<BenchServer> {
    const Echo = loadEcho();
    const server = new grpc.Server();
    server.addService(Echo.service, {
      echo: (call: grpc.ServerUnaryCall<EchoRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => callback(null, echo(call.request)),
    });
    const credentials = grpc.ServerCredentials.createSsl(
      Buffer.from(pki.ca),
      [{ private_key: Buffer.from(pki.serverKey), cert_chain: Buffer.from(pki.serverCert) }],
      true,
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error === null ? resolve(bound) : reject(error))),
    );
    return { port, close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
  },
  async connect(pki: BenchPki, port: number): Promise<BenchClient> {
    const Echo = loadEcho();
    const credentials = grpc.credentials.createSsl(Buffer.from(pki.ca), Buffer.from(pki.clientKey), Buffer.from(pki.clientCert));
    const client = new Echo(`127.0.0.1:${port}`, credentials, { 'grpc.ssl_target_name_override': SERVER_DNS }) as unknown as EchoStub;
    await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 10_000, (error) => (error ? reject(error) : resolve())));
    return {
      call: (request: EchoRequest) =>
        new Promise((resolve, reject) => client.echo(request, (error, reply) => (error ? reject(error) : resolve(reply)))),
      async close() {
        client.close();
      },
    };
  },
};
