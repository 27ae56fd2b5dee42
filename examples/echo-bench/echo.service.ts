import { IsInt, IsString, MaxLength } from 'class-validator';
import { Handler, RateLimit, RequireMutualTLS, Service } from '../../src/index.js';

/** What a caller sends to `Echo.echo`. */
export class EchoRequest {
  @IsString()
  @MaxLength(70_000)
  name!: string;

  @IsInt()
  count!: number;
}

/** What `Echo.echo` answers. */
export interface EchoReply {
  readonly message: string;
  readonly count: number;
}

/** The protection layers an echo service keeps; the benchmarks drop one at a time. */
export interface EchoLayers {
  /** Only these identities may call; `undefined` lets any verified peer call. */
  readonly allow?: readonly string[];
  /** A per-caller limit for `Echo.echo`; `undefined` for none. */
  readonly perSecond?: number;
}

/**
 * Defines the `echo` service with the given layers. `Echo.echo` always has mutual TLS
 * and a validated request; `Echo.limited` allows one call per hour per caller, so every
 * later call shows what a refusal (`429`) costs.
 */
export function defineEchoService(layers: EchoLayers): new () => object {
  @Service({ name: 'echo', version: '1.0.0' })
  class Echo {
    @Handler({ name: 'Echo.echo' })
    echo(request: EchoRequest): EchoReply {
      return { message: `Hello, ${request.name}`, count: request.count };
    }

    @RateLimit({ tokensPerInterval: 1, interval: 'hour' })
    @Handler({ name: 'Echo.limited' })
    limited(request: EchoRequest): EchoReply {
      return this.echo(request);
    }
  }
  // Class decorators are functions: applying them after the class is what `@` above it would do.
  RequireMutualTLS(layers.allow === undefined ? {} : { allow: [...layers.allow] })(Echo);
  if (layers.perSecond !== undefined) RateLimit({ tokensPerInterval: layers.perSecond, interval: 'second' })(Echo);
  return Echo;
}

/** Every protection on: only `bench-client` may call, and a limit far above any load. */
export const FullEcho = defineEchoService({ allow: ['bench-client'], perSecond: 100_000_000 });
