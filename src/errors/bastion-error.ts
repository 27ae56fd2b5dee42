import { ERROR_CATALOGUE, LOCAL_ONLY_ERROR_IDS, STATUS_TEXT, type ErrorCode, type ErrorId } from './catalogue.js';

const BRAND = Symbol.for('bastion.BastionError');
const MAX_WIRE_FIELDS = 100;
const MAX_WIRE_TEXT = 512;

/** One failing field of a validated request: its path and the constraints it broke. */
export interface FieldError {
  readonly path: string;
  readonly constraints: readonly string[];
}

/** The extras an error may carry across the wire besides its identity. */
export interface ErrorExtras {
  readonly fields?: readonly FieldError[];
  readonly retryAfterMs?: number;
}

/** The wire form of an error: only what a peer may see, never a stack, cause or path. */
export interface WireError extends ErrorExtras {
  readonly id: string;
  readonly code: number;
  readonly status: string;
  readonly detail: string;
}

/**
 * BastionError is the one error class of the framework, in go-micro's shape: a stable
 * catalogue `id`, an HTTP-like `code`, its `status` text and a `detail` for people.
 * It is rebuilt as the same class on the client side of a call.
 */
export class BastionError extends Error implements WireError {
  readonly id: ErrorId;
  readonly code: ErrorCode;
  readonly status: string;
  readonly detail: string;
  readonly fields?: readonly FieldError[];
  readonly retryAfterMs?: number;

  constructor(id: ErrorId, detail?: string, extras: ErrorExtras = {}, options?: ErrorOptions) {
    const entry = ERROR_CATALOGUE[id];
    // A 4xx is an answer for the peer, never logged with a stack: capturing one made a
    // refusal (400, 429) dearer than a served call. 5xx keep theirs (and their cause) for the log.
    // A limit that is not a number skips the capture altogether (a limit of 0 still walks
    // the stack), so a 4xx's `stack` is set to its first line by hand.
    const stackTraceLimit = Error.stackTraceLimit;
    const refusal = entry.code < 500;
    if (refusal) Error.stackTraceLimit = undefined as unknown as number;
    try {
      super(detail ?? entry.message, options);
    } finally {
      // Put back even when super() throws (a detail that is no string, a throwing `cause`):
      // left unset, every later error of the process would have no stack at all.
      if (refusal) Error.stackTraceLimit = stackTraceLimit;
    }
    if (refusal) this.stack = `BastionError: ${this.message}`;
    this.name = 'BastionError';
    this.id = id;
    this.code = entry.code;
    this.status = STATUS_TEXT[entry.code];
    this.detail = detail ?? entry.message;
    if (extras.fields !== undefined) this.fields = extras.fields;
    if (extras.retryAfterMs !== undefined) this.retryAfterMs = extras.retryAfterMs;
  }

  /** True for a BastionError from any copy of the package (a brand, not `instanceof`). */
  static is(value: unknown): value is BastionError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** True when `value` is a BastionError with the given catalogue id. */
  static hasId(value: unknown, id: ErrorId): value is BastionError {
    return BastionError.is(value) && value.id === id;
  }

  /** Rebuilds an error received from a peer; an unknown id becomes an internal error. */
  static fromWire(wire: unknown): BastionError {
    if (typeof wire !== 'object' || wire === null) return BastionError.fromChecked(checkWire({}));
    // A sealed wire error (a transport's decoded header, shared by every call that received the
    // same one) is checked once; anything else may still change, and is checked each time.
    if (!sealedWires.has(wire)) return BastionError.fromChecked(checkWire(wire));
    let checked = checkedWires.get(wire);
    if (checked === undefined) checkedWires.set(wire, (checked = checkWire(wire)));
    return BastionError.fromChecked(checked);
  }

  private static fromChecked(checked: CheckedWire): BastionError {
    return new BastionError(checked.id, checked.detail, checked.extras);
  }

  static {
    // On the prototype, not on each instance: a defineProperty per error cost as much as the rest of it.
    Object.defineProperty(BastionError.prototype, BRAND, { value: true });
  }

  /** The wire form: identity, detail and declared extras only. */
  toWire(): WireError {
    const wire: { -readonly [K in keyof WireError]: WireError[K] } = {
      id: this.id,
      code: this.code,
      status: this.status,
      detail: this.detail,
    };
    if (this.fields !== undefined) wire.fields = this.fields;
    if (this.retryAfterMs !== undefined) wire.retryAfterMs = this.retryAfterMs;
    return wire;
  }
}

/** What `fromWire` takes from a peer's error: a known id, a bounded detail and bounded, frozen extras. */
interface CheckedWire {
  readonly id: ErrorId;
  readonly detail: string | undefined;
  readonly extras: ErrorExtras;
}

const sealedWires = new WeakSet<object>();
const checkedWires = new WeakMap<object, CheckedWire>();

/**
 * Freezes a wire error made of plain data (a transport's decoded header) all the way down,
 * so `fromWire` checks it once however many calls share it.
 */
export function sealWireError(wire: { -readonly [K in keyof WireError]: WireError[K] }): WireError {
  if (wire.fields !== undefined) {
    wire.fields = Object.freeze(wire.fields.map((f) => Object.freeze({ path: f.path, constraints: Object.freeze([...f.constraints]) })));
  }
  sealedWires.add(Object.freeze(wire));
  return wire;
}

function checkWire(wire: object): CheckedWire {
  const w = wire as Partial<WireError>;
  const known = typeof w.id === 'string' && Object.hasOwn(ERROR_CATALOGUE, w.id) && !LOCAL_ONLY_ERROR_IDS.has(w.id);
  const id = known ? (w.id as ErrorId) : 'BST_ERR_SERVER_INTERNAL';
  const detail = typeof w.detail === 'string' ? w.detail.slice(0, 4096) : undefined;
  const extras: { fields?: FieldError[]; retryAfterMs?: number } = {};
  if (Array.isArray(w.fields)) {
    // A peer's list is bounded like the server's own (100 fields, short paths and texts).
    extras.fields = w.fields
      .slice(0, MAX_WIRE_FIELDS)
      .filter((f): f is FieldError => typeof f === 'object' && f !== null && typeof f.path === 'string')
      .map((f) =>
        Object.freeze({
          path: f.path.slice(0, MAX_WIRE_TEXT),
          constraints: Object.freeze(
            Array.isArray(f.constraints)
              ? f.constraints.filter((c): c is string => typeof c === 'string').slice(0, MAX_WIRE_FIELDS).map((c) => c.slice(0, MAX_WIRE_TEXT))
              : [],
          ),
        }),
      );
    Object.freeze(extras.fields);
  }
  if (typeof w.retryAfterMs === 'number' && Number.isFinite(w.retryAfterMs)) extras.retryAfterMs = w.retryAfterMs;
  return { id, detail, extras: Object.freeze(extras) };
}
