import { IsString, Length } from 'class-validator';
import { injectable } from 'inversify';
import { Handler, RateLimit, RequireMutualTLS, Service, type CallContext } from '../../src/index.js';

/** The dependency a test replaces with a fake. */
@injectable()
export class Clock {
  now(): string {
    return new Date().toISOString();
  }
}

export class StampRequest {
  @IsString()
  @Length(1, 32)
  label!: string;
}

/** A service whose reply depends on an injected Clock and on the caller's identity. */
@RequireMutualTLS({ allow: ['auditor'] })
@Service({ name: 'stamper', version: '1.0.0' })
export class Stamper {
  constructor(private readonly clock: Clock) {}

  @RateLimit({ tokensPerInterval: 100, interval: 'second' })
  @Handler()
  stamp(request: StampRequest, ctx: CallContext): { label: string; at: string; caller: string; trace: string | null; timeoutMs: number } {
    const trace = ctx.metadata['trace-id'] ?? null;
    return { label: request.label, at: this.clock.now(), caller: ctx.peer.identity?.name ?? 'anonymous', trace, timeoutMs: ctx.timeoutMs };
  }
}
