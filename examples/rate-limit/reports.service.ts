import { Handler, MaxInFlight, RateLimit, RequireMutualTLS, Service } from '../../src/index.js';

/** The reply of every `reports` endpoint. */
export interface ReportReply {
  readonly report: string;
}

/**
 * A `reports` service with every rate-limit option an operator reaches for: a service-wide
 * budget, a tighter per-caller budget on the expensive endpoint, a waiting queue on the
 * cheap one, and load shedding on the slow one.
 */
@RequireMutualTLS()
@RateLimit({ tokensPerInterval: 100, interval: 'second', key: 'service' })
@Service({ name: 'reports' })
export class Reports {
  /** Costly: each verified caller gets 10 per second, burst 10, on top of the service budget. */
  @RateLimit({ tokensPerInterval: 10, interval: 'second', bucketSize: 10, key: 'peer' })
  @Handler()
  build(): ReportReply {
    return { report: 'built' };
  }

  /** Cheap: callers over 5 per second wait their turn (FIFO) for up to 2 seconds. */
  @RateLimit({ tokensPerInterval: 5, interval: 'second', key: 'peer', mode: 'wait', maxWaitMs: 2000 })
  @Handler()
  status(): ReportReply {
    return { report: 'fine' };
  }

  /** Slow: at most 2 run at once; more get 503 at once instead of piling up. */
  @MaxInFlight(2)
  @Handler()
  async export(): Promise<ReportReply> {
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { report: 'exported' };
  }
}
