// Attacks on the registry: a rogue node registered for the real name, a record forged
// straight into Redis, and a captured registration replayed.
import { BastionError, createRegistrationKeys, RegistrationTokenSigner, type NATSRegistry, type RedisRegistry, type ServiceRecord } from '../../src/index.js';
import { encodeEntry, entriesOf, nodeKey } from '../../src/registry/stored-entry.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';
import { secretMarker, type Attack, type Outcome, type World } from './attack.js';
import { naiveCall, type OpenNode, type OpenRegistry } from './naive.fixture.js';
import { startRogueServer, type Listener } from './rogue.js';

const TTL_MS = 60_000;
const CALLS = 20;
const ROGUE_NODE = 'accounts-rogue';

function rogueRecord(port: number): ServiceRecord {
  return { name: 'accounts', version: '1.0.0', metadata: {}, endpoints: [], nodes: [{ id: ROGUE_NODE, host: '127.0.0.1', port, metadata: {} }] };
}

/** The naive client picks each node in turn from the open registry and sends a secret. */
async function naiveTraffic(registry: OpenRegistry, rogue: Listener): Promise<Outcome> {
  const secret = secretMarker();
  for (let i = 0; i < CALLS; i++) {
    const nodes = await registry.nodes('accounts');
    const node = nodes[i % nodes.length];
    if (node !== undefined) await naiveCall(node.port, 'Accounts.update', { displayName: secret });
  }
  const leaked = rogue.bytes().includes(secret);
  return { succeeded: rogue.requests() > 0, detail: `${rogue.requests()} of ${CALLS} calls reached the rogue node${leaked ? ', secret included' : ''}` };
}

/** A fresh `frontend` client (empty node cache) calls `CALLS` times; the rogue must see none. */
async function bastionTraffic(world: World, rogue: Listener, refusal: string, before: string, store: RedisRegistry | NATSRegistry = world.bastion.store): Promise<Outcome> {
  const logger = new RecordingLogger();
  const app = await world.bastion.freshFrontend(logger, store);
  let served = 0;
  try {
    for (let i = 0; i < CALLS; i++) {
      const reply = await app.client.call<{ identity: string }>('accounts', 'Accounts.whoami', {}).catch(() => undefined);
      if (reply?.identity === 'frontend') served++;
    }
  } finally {
    await world.bastion.release(app);
  }
  const dropped = logger.records.filter((r) => r.event === 'registry_record_dropped').length;
  return {
    succeeded: rogue.connections() > 0 || served < CALLS,
    detail: `${before}; ${served}/${CALLS} calls served by the real node, ${rogue.connections()} reached the rogue${dropped > 0 ? `, ${dropped} forged nodes dropped on read` : ''}`,
    refusal,
  };
}

async function withRogue(act: (rogue: Listener) => Promise<Outcome>): Promise<Outcome> {
  const rogue = await startRogueServer();
  try {
    return await act(rogue);
  } finally {
    await rogue.close();
  }
}

/** Plants a rogue node in the open registry with `plant`, then sends the naive client's traffic. */
function naiveRogue(registry: OpenRegistry, plant: (port: number) => Promise<void>): Promise<Outcome> {
  return withRogue(async (rogue) => {
    await plant(rogue.port);
    try {
      return await naiveTraffic(registry, rogue);
    } finally {
      await registry.deregister('accounts', ROGUE_NODE);
    }
  });
}

/** One deployment's store (Redis or NATS KV): the naive set-up's open registry in it, and Bastion's registry beside it. */
interface StoreTarget {
  readonly name: string;
  open(world: World): OpenRegistry;
  store(world: World): RedisRegistry | NATSRegistry;
  /** Writes one entry under its store key, as a party with write access to the store would. */
  write(world: World, key: string, value: string): Promise<void>;
  remove(world: World, keys: readonly string[]): Promise<void>;
}

const REDIS_TARGET: StoreTarget = {
  name: 'Redis',
  open: (world) => world.openRegistry,
  store: (world) => world.bastion.store,
  write: async (world, key, value) => void (await world.redis.set(`${world.bastion.prefix}:${key}`, value, 'PX', TTL_MS)),
  remove: async (world, keys) => void (await world.redis.del(...keys.map((key) => `${world.bastion.prefix}:${key}`))),
};

const NATS_TARGET: StoreTarget = {
  name: 'NATS KV',
  open: (world) => world.nats.openRegistry,
  store: (world) => world.nats.store,
  write: async (world, key, value) => void (await (await world.nats.connection.jetstream().views.kv(world.nats.bucket)).put(key, value)),
  remove: async (world, keys) => {
    const kv = await world.nats.connection.jetstream().views.kv(world.nats.bucket);
    for (const key of keys) await kv.purge(key);
  },
};

function forgeInStore(target: StoreTarget): Attack {
  return {
    threat: 'rogue service injection',
    name: `forge records straight into the ${target.name} store (unsigned, and signed with a foreign key)`,
    expected: ['registry_record_dropped'],
    naive: (world) => {
      const open = target.open(world);
      return naiveRogue(open, (port) => open.store.set(open.store.keyOf('accounts', ROGUE_NODE), JSON.stringify({ id: ROGUE_NODE, host: '127.0.0.1', port })));
    },
    bastion: (world) =>
      withRogue(async (rogue) => {
        const forged = [rogueRecord(rogue.port), signedByAttacker(world, { ...rogueRecord(rogue.port), nodes: [{ id: `${ROGUE_NODE}-signed`, host: '127.0.0.1', port: rogue.port, metadata: {} }] })];
        const entries = forged.flatMap((record) => entriesOf(record, TTL_MS, Date.now()).map((entry) => ({ key: nodeKey(record.name, record.version, entry.node.id), entry })));
        for (const { key, entry } of entries) await target.write(world, key, encodeEntry(entry));
        try {
          const stored = (await target.store(world).getService('accounts')).flatMap((r) => r.nodes).length;
          const outcome = await bastionTraffic(world, rogue, 'registry_record_dropped', `${stored} nodes in the store, ${entries.length} of them forged`, target.store(world));
          return outcome.detail.includes('dropped on read') ? outcome : { ...outcome, refusal: 'none' };
        } finally {
          await target.remove(world, entries.map((e) => e.key));
        }
      }),
  };
}

/** A record signed with a key of the attacker's own, under the deployment's key id. */
function signedByAttacker(world: World, record: ServiceRecord): ServiceRecord {
  const own = createRegistrationKeys(world.bastion.keys.kid);
  return new RegistrationTokenSigner({ kid: own.kid, privateKey: own.privateKey }).sign(record);
}

/** Captures the real node's registration from the store and sends it in again through the registry API. */
function replayRegistration(target: StoreTarget): Attack {
  return {
    threat: 'malicious service registration',
    name: `replay a captured registration (${target.name} deployment)`,
    expected: ['BST_ERR_REGISTRY_DENIED'],
    async naive(world) {
      const open = target.open(world);
      const captured = await open.raw('accounts', 'accounts-1');
      if (captured === null) return { succeeded: false, detail: 'nothing to capture' };
      await open.deregister('accounts', 'accounts-1');
      await open.register('accounts', JSON.parse(captured) as OpenNode);
      const back = (await open.nodes('accounts')).some((node) => node.id === 'accounts-1');
      return { succeeded: back, detail: back ? 'replayed registration accepted: the deregistered node is listed again' : 'replay ignored' };
    },
    async bastion(world) {
      const store = target.store(world);
      const [captured] = await store.getService('accounts');
      if (captured === undefined) return { succeeded: false, detail: 'nothing to capture' };
      const refused = await world.bastion
        .frontDoor(store)
        .register(captured, { ttlMs: TTL_MS, identity: 'accounts' })
        .then(() => undefined, (error: unknown) => error);
      if (refused === undefined) return { succeeded: true, detail: 'replayed registration accepted' };
      return { succeeded: false, detail: `refused (${reasonOf(refused)}) even with the owner's identity`, refusal: refusalOf(refused) };
    },
  };
}

const refusalOf = (error: unknown) => (BastionError.is(error) ? error.id : String(error));
const reasonOf = (error: unknown) => (BastionError.is(error) ? (/\b(Token\w+|Replay\w+|Identity\w+)/.exec(error.detail)?.[1] ?? error.detail) : '');

/** The registry attacks (they need Redis and NATS). */
export const REGISTRY_ATTACKS: readonly Attack[] = [
  {
    threat: 'malicious service registration',
    name: 'register a rogue node for `accounts` (valid `intruder` certificate, own signing key)',
    expected: ['BST_ERR_REGISTRY_DENIED'],
    naive: (world) => naiveRogue(world.openRegistry, (port) => world.openRegistry.register('accounts', { id: ROGUE_NODE, host: '127.0.0.1', port })),
    bastion: (world) =>
      withRogue(async (rogue) => {
        const signed = signedByAttacker(world, rogueRecord(rogue.port));
        const refused = await world.bastion
          .frontDoor()
          .register(signed, { ttlMs: TTL_MS, identity: 'intruder' })
          .then(() => undefined, (error: unknown) => error);
        if (refused === undefined) return { succeeded: true, detail: 'registration accepted' };
        return bastionTraffic(world, rogue, refusalOf(refused), `refused (${reasonOf(refused)})`);
      }),
  },
  forgeInStore(REDIS_TARGET),
  forgeInStore(NATS_TARGET),
  replayRegistration(REDIS_TARGET),
  replayRegistration(NATS_TARGET),
];
