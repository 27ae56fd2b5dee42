// NestJS microservices, TCP transport with TLS options (client certificate required).
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxyFactory, MessagePattern, Payload, Transport, type ClientProxy } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';
import { SERVER_DNS, type BenchClient, type BenchPki, type BenchServer, type Contender } from '../contender.js';
import { freePort } from '../net.js';
import { echo, type EchoReply, type EchoRequest } from '../workload.js';

@Controller()
class EchoController {
  @MessagePattern('echo')
  echo(@Payload() request: EchoRequest): EchoReply {
    return echo(request);
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

/** The NestJS TCP+TLS contender. */
export const nestTcp: Contender = {
  name: 'nestjs-tcp',
  async serve(pki: BenchPki): Promise<BenchServer> {
    const port = await freePort();
    const app = await NestFactory.createMicroservice(EchoModule, {
      transport: Transport.TCP,
      options: {
        host: '127.0.0.1',
        port,
        tlsOptions: { key: pki.serverKey, cert: pki.serverCert, ca: pki.ca, requestCert: true, rejectUnauthorized: true },
      },
      logger: false,
    });
    await app.listen();
    return { port, close: () => app.close() };
  },
  async connect(pki: BenchPki, port: number): Promise<BenchClient> {
    const client: ClientProxy = ClientProxyFactory.create({
      transport: Transport.TCP,
      options: {
        host: '127.0.0.1',
        port,
        tlsOptions: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, servername: SERVER_DNS },
      },
    });
    await client.connect();
    return {
      call: (request: EchoRequest) => firstValueFrom(client.send('echo', request)),
      async close() {
        await client.close();
      },
    };
  },
};
