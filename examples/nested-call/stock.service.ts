import { IsString, Length } from 'class-validator';
import { appError, Handler, RequireMutualTLS, Service, type CallContext } from '../../src/index.js';

export class LevelRequest {
  @IsString()
  @Length(1, 32)
  sku!: string;
}

/** What the stock handler saw of the call: the metadata that reached it and the time it had. */
export interface Seen {
  readonly traceId: string | null;
  readonly tenant: string | null;
  readonly remainingMs: number;
}

const LEVELS: Readonly<Record<string, number>> = { tea: 12, coffee: 0 };

/** Stock levels, for the `orders` service only. */
@RequireMutualTLS({ allow: ['orders'] })
@Service({ name: 'stock' })
export class Stock {
  @Handler()
  level(request: LevelRequest, ctx: CallContext): { sku: string; level: number; seen: Seen } {
    const level = LEVELS[request.sku];
    if (level === undefined) throw appError('not-found', `no stock record for '${request.sku}'`);
    const seen = { traceId: ctx.metadata['trace-id'] ?? null, tenant: ctx.metadata['tenant'] ?? null, remainingMs: Math.floor(ctx.remainingMs()) };
    return { sku: request.sku, level, seen };
  }
}
