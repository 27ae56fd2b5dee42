import { IsInt, IsString, Length, Max, Min } from 'class-validator';
import { Handler, InjectClient, RequireMutualTLS, Service, type Client, type ServiceProxy } from '../../src/index.js';
import { Stock, type Seen } from './stock.service.js';

export class PlaceOrder {
  @IsString()
  @Length(1, 32)
  sku!: string;

  @IsInt()
  @Min(1)
  @Max(100)
  quantity!: number;
}

/** Takes orders from `shop`, asking the `stock` service from inside the handler. */
@RequireMutualTLS({ allow: ['shop'] })
@Service({ name: 'orders' })
export class Orders {
  private readonly stock: ServiceProxy<Stock>;

  constructor(@InjectClient() client: Client) {
    this.stock = client.proxy(Stock);
  }

  @Handler()
  async place(order: PlaceOrder): Promise<{ sku: string; accepted: boolean; stockSaw: Seen }> {
    // Asks for 60 s, gets at most what shop's call has left; trace-id comes along, tenant does not.
    const stock = await this.stock.level({ sku: order.sku }, { timeoutMs: 60_000 });
    return { sku: order.sku, accepted: stock.level >= order.quantity, stockSaw: stock.seen };
  }
}
