// Shared pieces of the broker tests: a validated event DTO and an inbox that can be awaited.
import { IsInt, IsString, Length, Max, Min } from 'class-validator';

export class OrderCreated {
  @IsString()
  @Length(1, 32)
  id!: string;

  @IsInt()
  @Min(1)
  @Max(100)
  quantity!: number;

  static of(id: string, quantity: number): OrderCreated {
    return Object.assign(new OrderCreated(), { id, quantity });
  }
}

/** Collects what a subscriber received; `until(n)` resolves once n items arrived (or rejects after `ms`). */
export class Inbox<T> {
  readonly items: T[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];

  push(item: T): void {
    this.items.push(item);
    this.waiters = this.waiters.filter((w) => (this.items.length >= w.n ? (w.resolve(), false) : true));
  }

  until(n: number, ms = 5000): Promise<T[]> {
    if (this.items.length >= n) return Promise.resolve(this.items);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.items.length} of ${n} items arrived within ${ms} ms`)), ms);
      this.waiters.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.items);
        },
      });
    });
  }
}

/** Lets queued deliveries and their handlers run, so a test can check that nothing more arrives. */
export function settle(ms = 100): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A run-unique token, so parallel test runs against one NATS server never share names. */
export const RUN = `${process.pid}x${Date.now().toString(36)}`;
