import { IsInt, IsString, Length, Max, Min } from 'class-validator';
import { activeSpanContext, Handler, RateLimit, RequireMutualTLS, Service } from '../../src/index.js';

export class ReserveRequest {
  @IsString()
  @Length(1, 32)
  sku!: string;

  @IsInt()
  @Min(1)
  @Max(100)
  quantity!: number;
}

/** Reserves stock for `shop` only, at most 3 calls a minute per caller. */
@Service({ name: 'inventory' })
export class Inventory {
  @RequireMutualTLS({ allow: ['shop'] })
  @RateLimit({ tokensPerInterval: 3, interval: 'minute', key: 'peer' })
  @Handler()
  reserve(request: ReserveRequest): { sku: string; reserved: number; traceId: string | undefined } {
    // The handler sees the span of this call; calls it makes from here join the same trace.
    return { sku: request.sku, reserved: request.quantity, traceId: activeSpanContext()?.traceId };
  }
}
