/**
 * A value made on first use by an async factory: callers that ask while it is being made
 * share the one attempt, and a failed attempt is forgotten, so the next caller tries
 * again instead of receiving the cached rejection forever (shared case B32).
 */
export class Lazy<T> {
  private pending: Promise<T> | undefined;

  constructor(private readonly make: () => Promise<T>) {}

  /** The value, made now if it has not been made yet. */
  get(): Promise<T> {
    if (this.pending === undefined) {
      const attempt = this.make();
      this.pending = attempt;
      attempt.catch(() => {
        if (this.pending === attempt) this.pending = undefined;
      });
    }
    return this.pending;
  }

  /** True once an attempt started (and has not failed). */
  get started(): boolean {
    return this.pending !== undefined;
  }
}
