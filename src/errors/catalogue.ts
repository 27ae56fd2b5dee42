/**
 * The catalogue of every error Bastion raises: a stable id, the HTTP-like code it travels
 * with, and the message people read. `docs/errors.md` lists the same ids; a test keeps
 * the two in step. An id is never renamed or reused.
 */
export const ERROR_CATALOGUE = {
  BST_ERR_CODEC_DECODE: { code: 400, message: 'The request body could not be decoded' },
  BST_ERR_CODEC_FORBIDDEN_KEY: { code: 400, message: 'The request body holds a forbidden key' },
  BST_ERR_CODEC_TOO_DEEP: { code: 400, message: 'The request body is nested too deeply' },
  BST_ERR_CODEC_TOO_LARGE: { code: 413, message: 'The request body is larger than allowed' },
  BST_ERR_CODEC_UNSUPPORTED: { code: 415, message: 'The content type is not supported' },
  BST_ERR_VALIDATION_FAILED: { code: 400, message: 'The request failed validation' },
  BST_ERR_SECURITY_NO_CLIENT_CERT: { code: 401, message: 'A verified client certificate is required' },
  BST_ERR_SECURITY_PEER_NOT_ALLOWED: { code: 403, message: 'The caller identity is not allowed' },
  BST_ERR_SECURITY_SERVER_IDENTITY: { code: 503, message: 'The server did not present the expected identity' },
  BST_ERR_SECURITY_TLS_CONFIG: { code: 500, message: 'The TLS configuration is invalid' },
  BST_ERR_SERVER_UNKNOWN_ENDPOINT: { code: 404, message: 'Unknown service or endpoint' },
  BST_ERR_SERVER_INTERNAL: { code: 500, message: 'Internal server error' },
  BST_ERR_SERVER_OVERLOADED: { code: 503, message: 'The server is overloaded' },
  BST_ERR_SERVER_SHUTTING_DOWN: { code: 503, message: 'The server is shutting down' },
  BST_ERR_CLIENT_DEADLINE_EXCEEDED: { code: 408, message: 'The call deadline was exceeded' },
  BST_ERR_CLIENT_NO_NODES: { code: 503, message: 'No node of the service is available' },
  BST_ERR_CLIENT_ENCODE: { code: 400, message: 'The request cannot be encoded' },
  BST_ERR_CLIENT_CONNECTION: { code: 503, message: 'The connection to the service failed' },
  BST_ERR_TRANSPORT_FRAME_TOO_LARGE: { code: 413, message: 'The frame is larger than allowed' },
  BST_ERR_TRANSPORT_MALFORMED_FRAME: { code: 400, message: 'The frame is malformed' },
  BST_ERR_TRANSPORT_CLOSED: { code: 503, message: 'The connection is closed' },
  BST_ERR_RATELIMIT_EXCEEDED: { code: 429, message: 'Rate limit exceeded' },
  BST_ERR_RATELIMIT_COST_TOO_HIGH: { code: 429, message: 'The call costs more than the bucket can ever hold' },
  BST_ERR_RATELIMIT_STORE_UNAVAILABLE: { code: 503, message: 'The rate-limit store is unavailable' },
  BST_ERR_REGISTRY_DENIED: { code: 403, message: 'The registration was refused' },
  BST_ERR_REGISTRY_NOT_FOUND: { code: 404, message: 'The service is not registered' },
  BST_ERR_DECORATOR_INVALID_TARGET: { code: 500, message: 'A decorator was used in a way Bastion cannot honour' },
  BST_ERR_APP_BAD_REQUEST: { code: 400, message: 'The request was refused by the application' },
  BST_ERR_APP_FORBIDDEN: { code: 403, message: 'The application does not allow this call' },
  BST_ERR_APP_NOT_FOUND: { code: 404, message: 'The application found nothing' },
  BST_ERR_APP_CONFLICT: { code: 409, message: 'The request conflicts with the current state' },
  BST_ERR_APP_UNPROCESSABLE: { code: 422, message: 'The application cannot process the request' },
  BST_ERR_BROKER_INVALID_MESSAGE: { code: 400, message: 'The message, topic or subscription is malformed' },
  BST_ERR_BROKER_UNAVAILABLE: { code: 503, message: 'The message broker is unavailable' },
  BST_ERR_CLIENT_METADATA_INVALID: { code: 400, message: 'The call metadata breaks the limits' },
  BST_ERR_CLIENT_CIRCUIT_OPEN: { code: 503, message: 'Every node of the service is failing; the client is holding off' },
  BST_ERR_BOOT_INVALID_CONFIG: { code: 500, message: 'The application configuration is invalid' },
} as const satisfies Record<string, { code: ErrorCode; message: string }>;

/**
 * Ids only the calling side produces (it never reached, or never trusted, a server). A
 * server never sends them: one that arrives from a peer is a forwarded downstream failure
 * or a lie, and is read as an internal error, so it cannot make a client believe the call
 * never ran and retry a handler that did run (attack round 2, F2).
 */
export const LOCAL_ONLY_ERROR_IDS: ReadonlySet<string> = new Set([
  'BST_ERR_CLIENT_NO_NODES',
  'BST_ERR_CLIENT_CONNECTION',
  'BST_ERR_CLIENT_ENCODE',
  'BST_ERR_CLIENT_CIRCUIT_OPEN',
  'BST_ERR_SECURITY_SERVER_IDENTITY',
  'BST_ERR_TRANSPORT_CLOSED',
]);

/** Every error id in the catalogue. */
export type ErrorId = keyof typeof ERROR_CATALOGUE;

/** The HTTP-like codes Bastion errors carry. */
export type ErrorCode = 400 | 401 | 403 | 404 | 408 | 409 | 413 | 415 | 422 | 429 | 500 | 503;

/** Standard status text for each code, as go-micro's `errors.Error.Status` carries it. */
export const STATUS_TEXT: Readonly<Record<ErrorCode, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};
