// Attacks on capacity and on the parser: a flood, a PIN guessed by brute force, an
// oversized frame, a malformed frame and a body nested far too deep.
import { setTimeout as sleep } from 'node:timers/promises';
import { VAULT_PIN } from '../../examples/threat-model/accounts.service.js';
import type { Attack, Outcome, World } from './attack.js';
import { encodeFrame, FRAME_KIND, openTcp, openTls, withPeer, type RawPeer, type Reply } from './frames.js';
import { naiveCall } from './naive.fixture.js';
import { outcomeOf } from './network.attacks.js';

const FLOOD_CALLS = 300;
const LEGITIMATE_CALLS = 5;
const PIN_GUESSES = 1000;
const OVERSIZE_BYTES = 6 * 1024 * 1024;
const NESTING_DEPTH = 50_000;
const TRICKLE_BYTES = 1024 * 1024;

/** A raw TLS connection as `reports`: an allowed identity, now in the attacker's hands. */
export async function asReports({ bastion }: World): Promise<RawPeer> {
  const pem = await bastion.certificates.pki.issue('reports');
  return openTls(bastion.port, { ca: bastion.certificates.pki.ca.certPem, cert: pem.certPem, key: pem.keyPem, checkServerIdentity: () => undefined });
}

/** A plain TCP connection to the naive server, claiming to be `reports`. */
const naiveAsReports = ({ naive }: World) => openTcp(naive.tcpPort);


const CLAIM = { caller: 'reports' };
const refusalsOf = (replies: readonly Reply[]) => [...new Set(replies.flatMap((r) => (r.kind === 'error' ? [r.error.id ?? 'error'] : [])))];
const leaksInternals = (reply: Reply) => reply.kind === 'error' && /\n\s+at |RangeError|SyntaxError|node:internal|\/work\//.test(reply.error.detail ?? '');

async function flood(peer: RawPeer, others: () => Promise<boolean>): Promise<Outcome> {
  // Each call claims another caller in its metadata, to slip past a limit keyed on a header.
  const flooding = Promise.all(Array.from({ length: FLOOD_CALLS }, (_, i) => peer.call('Accounts.search', { query: `q${i % 10}` }, { caller: `reports-${i}` })));
  const legit = await Promise.all(Array.from({ length: LEGITIMATE_CALLS }, others));
  const replies = await flooding;
  const served = replies.filter((r) => r.kind === 'response').length;
  const refusals = refusalsOf(replies);
  return {
    succeeded: served === FLOOD_CALLS || legit.includes(false),
    detail: `flooder served ${served}/${FLOOD_CALLS}${refusals.length > 0 ? ` (rest ${refusals.join(', ')})` : ''}; other identity served ${legit.filter(Boolean).length}/${LEGITIMATE_CALLS}`,
    ...(refusals.length === 0 ? {} : { refusal: refusals.join(', ') }),
  };
}

async function guessPin(peer: RawPeer): Promise<{ found: string | undefined; replies: Reply[] }> {
  const guesses = Array.from({ length: PIN_GUESSES }, (_, i) => String(i).padStart(4, '0'));
  const replies = await Promise.all(guesses.map((pin) => peer.call('Accounts.unlock', { pin }, CLAIM)));
  const hit = replies.findIndex((r) => r.kind === 'response' && (r.body as { unlocked?: boolean }).unlocked === true);
  return { found: hit < 0 ? undefined : guesses[hit], replies };
}

// A 4 GiB - 1 length prefix, followed by the first TRICKLE_BYTES of the frame.
const hugeFramePrefix = () => Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff, FRAME_KIND.request]), Buffer.alloc(TRICKLE_BYTES)]);
const oversized = () => JSON.stringify({ displayName: 'x'.repeat(OVERSIZE_BYTES) });
const malformed = () => encodeFrame(FRAME_KIND.request, 1, Buffer.from('{"service":"accounts",not json'), Buffer.from('{}'));
const tooDeep = () => `{"displayName":"x","preferences":${'{"a":'.repeat(NESTING_DEPTH)}1${'}'.repeat(NESTING_DEPTH)}}`;

function refusedOrLeaked(reply: Reply, what: string): Outcome {
  if (leaksInternals(reply)) return { succeeded: true, detail: `${what}: 500 with the server's stack trace` };
  return outcomeOf(reply, () => true);
}

/** The attacks on capacity and parsing. */
export const ABUSE_ATTACKS: readonly Attack[] = [
  {
    threat: 'denial of service',
    name: `flood one endpoint (${FLOOD_CALLS} calls, each claiming another caller) from one identity while another calls it`,
    // More calls in flight on one connection than its bound are shed before the rate limit.
    expected: ['BST_ERR_RATELIMIT_EXCEEDED', 'BST_ERR_SERVER_OVERLOADED'],
    naive: (world) => withPeer(naiveAsReports(world), (peer) => flood(peer, async () => (await naiveCall(world.naive.tcpPort, 'Accounts.search', { query: 'f' })).kind === 'response')),
    bastion: (world) =>
      withPeer(asReports(world), (peer) =>
        flood(peer, () => world.bastion.frontend.client.call('accounts', 'Accounts.search', { query: 'f' }).then(() => true, () => false)),
      ),
  },
  {
    threat: 'brute force',
    name: `guess a 4-digit PIN through a handler (${PIN_GUESSES} guesses on one connection)`,
    // A thousand calls pipelined on one connection also meet the in-flight bound (load shedding).
    expected: ['BST_ERR_RATELIMIT_EXCEEDED', 'BST_ERR_SERVER_OVERLOADED'],
    async naive(world) {
      const { found } = await withPeer(naiveAsReports(world), guessPin);
      return { succeeded: found === VAULT_PIN, detail: found === undefined ? 'PIN not found' : `PIN found (${found})` };
    },
    async bastion(world) {
      const { found, replies } = await withPeer(asReports(world), guessPin);
      const tried = replies.filter((r) => r.kind === 'response').length;
      const owner = await world.bastion.frontend.client.call<{ unlocked: boolean }>('accounts', 'Accounts.unlock', { pin: VAULT_PIN });
      const refusals = refusalsOf(replies);
      return {
        succeeded: found !== undefined || !owner.unlocked,
        detail: `${tried} guesses reached the handler, ${PIN_GUESSES - tried} refused; PIN ${found === undefined ? 'not found' : 'found'}; owner still unlocks: ${owner.unlocked}`,
        ...(refusals.length === 0 ? {} : { refusal: refusals.join(', ') }),
      };
    },
  },
  {
    threat: 'resource exhaustion',
    name: `oversize frame (${OVERSIZE_BYTES / 1024 / 1024} MiB body)`,
    expected: ['BST_ERR_TRANSPORT_FRAME_TOO_LARGE'],
    naive: (world) => withPeer(naiveAsReports(world), async (peer) => outcomeOf(await peer.call('Accounts.update', oversized(), CLAIM), () => true)),
    bastion: (world) => withPeer(asReports(world), async (peer) => outcomeOf(await peer.call('Accounts.update', oversized()), () => true)),
  },
  {
    threat: 'resource exhaustion',
    name: `declare a 4 GiB frame, then stream ${TRICKLE_BYTES / 1024 / 1024} MiB of it`,
    expected: ['BST_ERR_TRANSPORT_FRAME_TOO_LARGE'],
    async naive(world) {
      return withPeer(naiveAsReports(world), async (peer) => {
        peer.socket.write(hugeFramePrefix());
        // Polled, not timed: the attack has worked once the server holds what was sent.
        for (let i = 0; i < 500 && world.naive.heldBytes() < TRICKLE_BYTES; i++) await sleep(10);
        const held = world.naive.heldBytes();
        return { succeeded: held >= TRICKLE_BYTES, detail: `no refusal; the server holds ${(held / 1024 / 1024).toFixed(1)} MiB of a declared 4 GiB frame and keeps reading` };
      });
    },
    bastion: (world) => withPeer(asReports(world), async (peer) => outcomeOf(await peer.sendAndWait(1, hugeFramePrefix()), () => true)),
  },
  {
    threat: 'resource exhaustion',
    name: `body nested ${NESTING_DEPTH.toLocaleString('en')} levels deep`,
    expected: ['BST_ERR_CODEC_TOO_DEEP', 'BST_ERR_CODEC_TOO_LARGE'],
    naive: (world) => withPeer(naiveAsReports(world), async (peer) => refusedOrLeaked(await peer.call('Accounts.update', tooDeep(), CLAIM), 'handler recursion overflowed')),
    bastion: (world) => withPeer(asReports(world), async (peer) => refusedOrLeaked(await peer.call('Accounts.update', tooDeep()), 'handler recursion overflowed')),
  },
  {
    threat: 'denial of service',
    name: 'malformed frame (request header is not JSON)',
    expected: ['BST_ERR_TRANSPORT_MALFORMED_FRAME'],
    naive: (world) => withPeer(naiveAsReports(world), async (peer) => refusedOrLeaked(await peer.sendAndWait(1, malformed()), 'header parse threw')),
    bastion: (world) => withPeer(asReports(world), async (peer) => refusedOrLeaked(await peer.sendAndWait(1, malformed()), 'header parse threw')),
  },
];

