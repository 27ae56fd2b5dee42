/**
 * A refusal passed as a value, on the server's synchronous path only: from the request
 * binding up a chain of built-in wrappers that pass values (server/wrapper.ts) to the
 * server, which answers it. It is never a promise, so a `400` made there costs no promise
 * (each paying the call-scope promise hook); it never reaches a user's wrapper or handler.
 */
export class Refused {
  /** What the call is refused with: a 4xx BastionError, or whatever a custom codec's check threw (a 500 then). */
  constructor(readonly error: unknown) {}
}
