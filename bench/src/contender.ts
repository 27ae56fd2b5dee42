// What every contender offers the runner: a server process side and a client process side.
import type { EchoRequest } from './workload.js';

/** PEM material of one run, generated at run time. */
export interface BenchPki {
  readonly trustDomain: string;
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

/** The service name the server certificate proves (SPIFFE URI SAN and DNS SAN). */
export const SERVER_NAME = 'echo';
/** The identity of the benchmark's client certificate. */
export const CLIENT_NAME = 'bench-client';
/** DNS SAN on the server certificate, for the contenders that check host names. */
export const SERVER_DNS = 'localhost';

/** A running server of one contender. */
export interface BenchServer {
  readonly port: number;
  close(): Promise<void>;
}

/** A connected client: `call` resolves with the reply, or rejects with the server's error. */
export interface BenchClient {
  call(request: EchoRequest): Promise<unknown>;
  /** Calls the endpoint that refuses with `kind` (Bastion only). */
  reject?(kind: RejectKind, request: EchoRequest): Promise<unknown>;
  close(): Promise<void>;
}

/** The refusals whose cost is measured. */
export type RejectKind = 'validation' | 'ratelimit';

/** One contender: how to serve, how to call, and what protects its wire. */
export interface Contender {
  readonly name: string;
  serve(pki: BenchPki): Promise<BenchServer>;
  connect(pki: BenchPki, port: number): Promise<BenchClient>;
}
