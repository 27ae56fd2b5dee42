import { ERROR_CATALOGUE, STATUS_TEXT, type ErrorCode, type ErrorId } from './catalogue.js';

const BRAND = Symbol.for('bastion.BastionError');

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
    super(detail ?? entry.message, options);
    this.name = 'BastionError';
    this.id = id;
    this.code = entry.code;
    this.status = STATUS_TEXT[entry.code];
    this.detail = detail ?? entry.message;
    if (extras.fields !== undefined) this.fields = extras.fields;
    if (extras.retryAfterMs !== undefined) this.retryAfterMs = extras.retryAfterMs;
    Object.defineProperty(this, BRAND, { value: true });
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
    const w = (typeof wire === 'object' && wire !== null ? wire : {}) as Partial<WireError>;
    const id = typeof w.id === 'string' && Object.hasOwn(ERROR_CATALOGUE, w.id) ? (w.id as ErrorId) : 'BST_ERR_SERVER_INTERNAL';
    const detail = typeof w.detail === 'string' ? w.detail.slice(0, 4096) : undefined;
    const extras: { fields?: FieldError[]; retryAfterMs?: number } = {};
    if (Array.isArray(w.fields)) {
      extras.fields = w.fields
        .filter((f): f is FieldError => typeof f === 'object' && f !== null && typeof f.path === 'string')
        .map((f) => ({
          path: f.path,
          constraints: Array.isArray(f.constraints) ? f.constraints.filter((c): c is string => typeof c === 'string') : [],
        }));
    }
    if (typeof w.retryAfterMs === 'number' && Number.isFinite(w.retryAfterMs)) extras.retryAfterMs = w.retryAfterMs;
    return new BastionError(id, detail, extras);
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
