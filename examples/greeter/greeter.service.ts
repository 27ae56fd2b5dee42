import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { Handler, RateLimit, RequireMutualTLS, Service, type CallContext } from '../../src/index.js';

/** What a caller sends to `Greeter.hello`. */
export class HelloRequest {
  @IsString()
  @Length(1, 64)
  name!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  times?: number;
}

/** What `Greeter.hello` answers. */
export class HelloReply {
  constructor(
    readonly message: string,
    readonly caller: string,
  ) {}
}

/** The greeter: only `greeter-client` may call it, at most 5 calls per second each. */
@RequireMutualTLS({ allow: ['greeter-client'] })
@Service({ name: 'greeter', version: '1.0.0' })
export class Greeter {
  @RateLimit({ tokensPerInterval: 5, interval: 'second' })
  @Handler()
  hello(request: HelloRequest, ctx: CallContext): HelloReply {
    const greeting = `Hello, ${request.name}!`;
    return new HelloReply(Array(request.times ?? 1).fill(greeting).join(' '), ctx.peer.identity?.name ?? 'unknown');
  }
}
