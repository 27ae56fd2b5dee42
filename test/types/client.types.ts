// Compile-only type tests of client.proxy(): the build fails if they break; never run.
import { IsString } from 'class-validator';
import type { CallContext, Client } from '../../src/index.js';

class HelloRequest {
  @IsString()
  name!: string;
}

class HelloReply {
  constructor(readonly greeting: string) {}
  shout(): string {
    return this.greeting.toUpperCase();
  }
}

class Greeter {
  calls = 0;
  hello(request: HelloRequest, _ctx: CallContext): HelloReply {
    return new HelloReply(`Hello ${request.name}`);
  }
  async count(_request: HelloRequest): Promise<number> {
    return this.calls;
  }
  ping(): string {
    return 'pong';
  }
}

declare const client: Client;
const greeter = client.proxy(Greeter);

export async function typeChecks(): Promise<void> {
  const reply: { readonly greeting: string } = await greeter.hello({ name: 'Ada' });
  const n: number = await greeter.count({ name: 'Ada' }, { timeoutMs: 50 });
  const pong: string = await greeter.ping({ metadata: { 'trace-id': 't' } });
  void [reply, n, pong];

  // @ts-expect-error the request field has the wrong type
  await greeter.hello({ name: 42 });
  // @ts-expect-error the request is required
  await greeter.hello();
  // @ts-expect-error a field of the request is missing
  await greeter.hello({});
  // @ts-expect-error the reply is plain data: methods of the reply class do not cross the wire
  (await greeter.hello({ name: 'Ada' })).shout();
  // @ts-expect-error the reply of count is a number, not a string
  const wrong: string = await greeter.count({ name: 'Ada' });
  // @ts-expect-error fields of the service class are not endpoints
  void greeter.calls;
  // @ts-expect-error no such handler
  await greeter.goodbye({ name: 'Ada' });
  // @ts-expect-error the call context is the server's; the caller passes call options
  await greeter.hello({ name: 'Ada' }, { endpoint: 'x' });
  void wrong;
}
