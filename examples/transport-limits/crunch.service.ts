import { Handler, RequireMutualTLS, Service } from '../../src/index.js';

/** How long `Crunch.run` works, whatever its deadline says. */
export const CRUNCH_MS = 1_000;

/**
 * A `crunch` service whose handler ignores its deadline, as the attack report's slow
 * handler did: the caller gets 408 after its timeout while the work runs on.
 */
@RequireMutualTLS()
@Service({ name: 'crunch' })
export class Crunch {
  /** Work in progress right now, to show the cap holds. */
  running = 0;
  /** The most that ever ran at once. */
  peak = 0;

  /** Works for `CRUNCH_MS` without looking at `ctx.signal`. */
  @Handler()
  async run(): Promise<{ done: boolean }> {
    this.running += 1;
    this.peak = Math.max(this.peak, this.running);
    await new Promise((resolve) => setTimeout(resolve, CRUNCH_MS));
    this.running -= 1;
    return { done: true };
  }

  /** Answers at once: lets a caller open its connection before the bursts. */
  @Handler()
  ping(): { done: boolean } {
    return { done: true };
  }
}
