// What one attack is: a threat, a name, the same attempt against each set-up, and what
// Bastion is documented to answer (docs/threat-model.md).
import type { Redis } from 'ioredis';
import type { NatsConnection } from 'nats';
import type { NATSRegistry } from '../../src/index.js';
import type { BastionSetup } from './bastion.fixture.js';
import type { NaiveSetup, OpenRegistry } from './naive.fixture.js';

/** The ten threats of docs/threat-model.md. */
export const THREATS = [
  'man in the middle',
  'service impersonation',
  'eavesdropping',
  'denial of service',
  'resource exhaustion',
  'brute force',
  'code injection',
  'data corruption',
  'malicious service registration',
  'rogue service injection',
] as const;

/** One of the ten threats. */
export type Threat = (typeof THREATS)[number];

/** What one run of an attack achieved. */
export interface Outcome {
  /** Whether the attacker got what it was after. */
  readonly succeeded: boolean;
  /** What was seen, for the report. */
  readonly detail: string;
  /** How the target refused: an error id, or a refusal named in docs/threat-model.md. */
  readonly refusal?: string;
}

/** The NATS side: a second deployment of both set-ups whose registry is a KV bucket. */
export interface NatsWorld {
  readonly connection: NatsConnection;
  /** The naive set-up's open registry in its own bucket. */
  readonly openRegistry: OpenRegistry;
  /** Bastion's bucket, and the registry over it. */
  readonly bucket: string;
  readonly store: NATSRegistry;
}

/** Everything both set-ups share: the stores, and the two set-ups themselves. */
export interface World {
  readonly naive: NaiveSetup;
  readonly openRegistry: OpenRegistry;
  readonly bastion: BastionSetup;
  readonly redis: Redis;
  readonly nats: NatsWorld;
}

/** One attack, run once against each set-up. */
export interface Attack {
  readonly threat: Threat;
  readonly name: string;
  /** The refusals Bastion may answer with; anything else fails the suite. */
  readonly expected: readonly string[];
  naive(world: World): Promise<Outcome>;
  bastion(world: World): Promise<Outcome>;
}

/** The refusal word for a TLS handshake that the target broke off. */
export const HANDSHAKE_REFUSED = 'handshake refused';

/** A fresh marker to look for in captured bytes or on the attacker's side. */
export function secretMarker(): string {
  return `secret-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`;
}
