// A service with an idempotent read and a non-idempotent write, and deadline-aware work.
import { IsInt, IsString, Length, Max, Min } from 'class-validator';
import { Handler, Idempotent, Service, type CallContext } from '../../src/index.js';

export class Lookup {
  @IsString()
  @Length(1, 32)
  sku!: string;
}

export class Reservation {
  @IsString()
  @Length(1, 32)
  sku!: string;

  @IsInt()
  @Min(1)
  @Max(100)
  quantity!: number;
}

@Service({ name: 'inventory' })
export class Inventory {
  private readonly stock = new Map<string, number>([['apple', 10]]);

  // Safe to run twice: the client may retry it after a 503 or 408, on another node.
  @Idempotent()
  @Handler()
  level(lookup: Lookup, ctx: CallContext): { sku: string; level: number; msLeft: number } {
    return { sku: lookup.sku, level: this.stock.get(lookup.sku) ?? 0, msLeft: Math.round(ctx.remainingMs()) };
  }

  // Not idempotent: retried only when it cannot have reached this handler.
  @Handler()
  async reserve(reservation: Reservation, ctx: CallContext): Promise<{ sku: string; left: number }> {
    // Stop early when the caller gives up or the deadline passes.
    ctx.signal.throwIfAborted();
    const left = (this.stock.get(reservation.sku) ?? 0) - reservation.quantity;
    this.stock.set(reservation.sku, left);
    return { sku: reservation.sku, left };
  }
}
