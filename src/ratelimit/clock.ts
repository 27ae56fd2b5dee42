/** Clock tells the current time in milliseconds; tests inject one they control. */
export interface Clock {
  now(): number;
}

/** The clock of the running process, monotonic. */
export const SYSTEM_CLOCK: Clock = Object.freeze({ now: () => performance.now() });
