// A service that reacts to events instead of (or as well as) serving calls.
import { IsInt, IsString, Length, Max, Min } from 'class-validator';
import { RateLimit, Service, Subscribe, type MessageContext } from '../../src/index.js';

/** The event the shop publishes; validated on arrival exactly as a request DTO. */
export class OrderCreated {
  @IsString()
  @Length(1, 32)
  id!: string;

  @IsInt()
  @Min(1)
  @Max(100)
  quantity!: number;
}

@Service({ name: 'billing' })
export class Billing {
  readonly invoiced: string[] = [];

  // Durable: orders published while billing is down wait for it (JetStream; kept in memory by MemoryBroker).
  @RateLimit({ tokensPerInterval: 100, interval: 'second', key: 'global' })
  @Subscribe('orders.created', { durable: 'billing' })
  invoice(event: OrderCreated, ctx: MessageContext): void {
    this.invoiced.push(`${event.id} x${event.quantity} (trace ${ctx.metadata['trace-id'] ?? '-'}, delivery ${ctx.attempt})`);
  }
}
