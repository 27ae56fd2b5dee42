// Attacks from the network: reading the wire, posing as a caller or as the server, and
// forcing an old TLS version.
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { BastionError } from '../../src/index.js';
import { HANDSHAKE_REFUSED, secretMarker, type Attack, type Outcome, type World } from './attack.js';
import { describeReply, openTls, type RawPeer, type Reply } from './frames.js';
import { naiveCall } from './naive.fixture.js';
import { startCapturingProxy, startRogueServer } from './rogue.js';

/** What a raw attempt came to: served is success, anything else is the target's refusal. */
export function outcomeOf(reply: Reply, served: (body: unknown) => boolean): Outcome {
  if (reply.kind === 'response' && served(reply.body)) return { succeeded: true, detail: describeReply(reply) };
  if (reply.kind === 'error') return { succeeded: false, detail: describeReply(reply), refusal: reply.error.id ?? 'error' };
  if (reply.kind === 'closed') return { succeeded: false, detail: 'connection closed by the server', refusal: HANDSHAKE_REFUSED };
  return { succeeded: false, detail: describeReply(reply), refusal: 'answered without effect' };
}

/** Opens a raw TLS connection, sends one call and closes; a refused handshake is an outcome too. */
export async function rawTlsAttempt(open: () => Promise<RawPeer>, act: (peer: RawPeer) => Promise<Reply>, served: (body: unknown) => boolean): Promise<Outcome> {
  let peer: RawPeer;
  try {
    peer = await open();
  } catch (error) {
    return { succeeded: false, detail: `handshake failed (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, refusal: HANDSHAKE_REFUSED };
  }
  try {
    return outcomeOf(await act(peer), served);
  } finally {
    peer.close();
  }
}

const oldTls: ConnectionOptions = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' };
const weakCipher: ConnectionOptions = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0' };
const servedAsFrontend = (body: unknown) => (body as { identity?: string }).identity === 'frontend';
const whoami = (peer: RawPeer) => peer.call('Accounts.whoami', {});
// The naive server asks for no certificate at all, so every variant is the same claim in a header.
async function naiveImpersonation({ naive }: World): Promise<Outcome> {
  const outcome = outcomeOf(await naiveCall(naive.tcpPort, 'Accounts.whoami', {}, 'frontend'), servedAsFrontend);
  return { ...outcome, detail: `no certificate asked, header caller=frontend trusted: ${outcome.succeeded ? 'served as frontend' : outcome.detail}` };
}

/** Calls as `frontend` through `port` with a secret, and reports whether the attacker listening there got it. */
async function bastionCallVia(world: World, port: number, seen: () => Buffer, secret: string): Promise<{ served: boolean; leaked: boolean; refusal?: string }> {
  const app = await world.bastion.frontendVia(port);
  try {
    await app.client.call('accounts', 'Accounts.update', { displayName: secret });
    return { served: true, leaked: seen().includes(secret) };
  } catch (error) {
    return { served: false, leaked: seen().includes(secret), refusal: BastionError.is(error) ? error.id : String(error) };
  } finally {
    await world.bastion.release(app);
  }
}

function impersonateServer(name: string, pem: (world: World) => Promise<{ certPem: string; keyPem: string }>): Attack {
  return {
    threat: 'man in the middle',
    name,
    expected: ['BST_ERR_SECURITY_SERVER_IDENTITY', 'BST_ERR_CLIENT_CONNECTION'],
    async naive() {
      const rogue = await startRogueServer();
      const secret = secretMarker();
      try {
        const reply = await naiveCall(rogue.port, 'Accounts.update', { displayName: secret });
        const leaked = rogue.bytes().includes(secret);
        return { succeeded: leaked && reply.kind === 'response', detail: `rogue got the request${leaked ? ' and its secret' : ''}; client took ${describeReply(reply)}` };
      } finally {
        await rogue.close();
      }
    },
    async bastion(world) {
      const rogue = await startRogueServer(await pem(world));
      const secret = secretMarker();
      try {
        const result = await bastionCallVia(world, rogue.port, () => rogue.bytes(), secret);
        const detail = `client refused: ${result.refusal ?? 'none'}; rogue saw ${rogue.requests()} request frames`;
        return { succeeded: result.served || result.leaked || rogue.requests() > 0, detail, ...(result.refusal === undefined ? {} : { refusal: result.refusal }) };
      } finally {
        await rogue.close();
      }
    },
  };
}

/** A client that offers only `offer`, first to the naive TLS listener, then to Bastion. */
function downgrade(name: string, offer: ConnectionOptions): Attack {
  const open = async (world: World, port: number) => {
    const frontend = await world.bastion.certificates.pki.issue('frontend');
    return openTls(port, { ...offer, ca: world.bastion.certificates.pki.ca.certPem, cert: frontend.certPem, key: frontend.keyPem, checkServerIdentity: () => undefined });
  };
  return {
    threat: 'man in the middle',
    name,
    expected: [HANDSHAKE_REFUSED],
    async naive(world) {
      let negotiated = '';
      const outcome = await rawTlsAttempt(
        async () => {
          const peer = await open(world, world.naive.tlsPort);
          const socket = peer.socket as TLSSocket;
          negotiated = `${socket.getProtocol() ?? ''} ${socket.getCipher().name}`;
          return peer;
        },
        (peer) => peer.call('Accounts.whoami', {}, { caller: 'frontend' }),
        () => true,
      );
      return { ...outcome, detail: `negotiated ${negotiated || 'nothing'}; ${outcome.detail}` };
    },
    bastion: (world) => rawTlsAttempt(() => open(world, world.bastion.port), whoami, () => true),
  };
}

/** The network attacks. */
export const NETWORK_ATTACKS: readonly Attack[] = [
  {
    threat: 'eavesdropping',
    name: 'capture the bytes on the wire (loopback proxy) and look for the payload',
    expected: ['ciphertext only'],
    async naive({ naive }) {
      const proxy = await startCapturingProxy(naive.tcpPort);
      const secret = secretMarker();
      try {
        const reply = await naiveCall(proxy.port, 'Accounts.update', { displayName: secret });
        const found = proxy.bytes().includes(secret);
        return { succeeded: found, detail: `${found ? 'payload read in clear' : 'payload not seen'} in ${proxy.bytes().length} captured bytes; call ${reply.kind === 'response' ? 'served' : describeReply(reply)}` };
      } finally {
        await proxy.close();
      }
    },
    async bastion(world) {
      const proxy = await startCapturingProxy(world.bastion.port);
      const secret = secretMarker();
      try {
        const result = await bastionCallVia(world, proxy.port, () => proxy.bytes(), secret);
        const detail = `${result.leaked ? 'payload read in clear' : 'payload not found'} in ${proxy.bytes().length} captured bytes; call ${result.served ? 'served' : `failed (${result.refusal})`}`;
        return { succeeded: result.leaked, detail, ...(result.served && !result.leaked ? { refusal: 'ciphertext only' } : {}) };
      } finally {
        await proxy.close();
      }
    },
  },
  {
    threat: 'service impersonation',
    name: 'call as `frontend` with no client certificate',
    expected: [HANDSHAKE_REFUSED, 'BST_ERR_SECURITY_NO_CLIENT_CERT'],
    naive: naiveImpersonation,
    async bastion({ bastion }) {
      const ca = bastion.certificates.pki.ca.certPem;
      return rawTlsAttempt(() => openTls(bastion.port, { ca, checkServerIdentity: () => undefined }), whoami, servedAsFrontend);
    },
  },
  {
    threat: 'service impersonation',
    name: "call as `frontend` with a certificate from the attacker's own CA",
    expected: [HANDSHAKE_REFUSED],
    naive: naiveImpersonation,
    async bastion({ bastion }) {
      const forged = await bastion.certificates.roguePki.issue('frontend');
      const ca = bastion.certificates.pki.ca.certPem;
      return rawTlsAttempt(() => openTls(bastion.port, { ca, cert: forged.certPem, key: forged.keyPem, checkServerIdentity: () => undefined }), whoami, servedAsFrontend);
    },
  },
  {
    threat: 'service impersonation',
    name: 'call with a valid certificate of an identity not on the allow list',
    expected: ['BST_ERR_SECURITY_PEER_NOT_ALLOWED'],
    naive: naiveImpersonation,
    async bastion({ bastion }) {
      const stolen = await bastion.certificates.pki.issue('intruder');
      const ca = bastion.certificates.pki.ca.certPem;
      return rawTlsAttempt(() => openTls(bastion.port, { ca, cert: stolen.certPem, key: stolen.keyPem, checkServerIdentity: () => undefined }), whoami, () => true);
    },
  },
  impersonateServer("pose as `accounts` with a certificate from the attacker's own CA", async ({ bastion }) => bastion.certificates.roguePki.issue('accounts')),
  impersonateServer('pose as `accounts` with a valid certificate of another service', async ({ bastion }) => bastion.certificates.pki.issue('intruder')),
  downgrade('downgrade the version: offer only TLS 1.0/1.1', oldTls),
  downgrade('downgrade the cipher: TLS 1.2 with only a CBC / SHA-1 suite', weakCipher),
];
