// Attacks in the body: a __proto__ key that a merge turns into a global change, and an
// extra field smuggled past the request's declared shape.
import type { Attack, Outcome, World } from './attack.js';
import { describeReply, openTcp, withPeer, type RawPeer } from './frames.js';
import { asReports } from './abuse.attacks.js';

// JSON.stringify cannot write an own __proto__ key, so the body is written as text.
const POLLUTING_BODY = '{"displayName":"mallory","__proto__":{"isAdmin":true}}';
const SMUGGLING_BODY = { displayName: 'mallory', role: 'admin' };
const CLAIM = { caller: 'reports' };

function polluted(): boolean {
  return (Object.prototype as Record<string, unknown>)['isAdmin'] !== undefined;
}

async function pollute(peer: RawPeer, bystander: () => Promise<RawPeer>): Promise<Outcome> {
  const attempt = await peer.call('Accounts.update', POLLUTING_BODY, CLAIM);
  const other = await bystander();
  try {
    const report = await other.call('Accounts.adminReport', {}, { caller: 'bystander' });
    const leaked = polluted();
    return {
      succeeded: report.kind === 'response' || leaked,
      detail: `update ${describeReply(attempt)}; Object.prototype ${leaked ? 'polluted' : 'clean'}; a non-admin's adminReport: ${describeReply(report)}`,
      ...(attempt.kind === 'error' ? { refusal: attempt.error.id ?? 'error' } : {}),
    };
  } finally {
    other.close();
    delete (Object.prototype as Record<string, unknown>)['isAdmin'];
  }
}

async function smuggle(peer: RawPeer): Promise<Outcome> {
  const attempt = await peer.call('Accounts.update', SMUGGLING_BODY, CLAIM);
  const report = await peer.call('Accounts.adminReport', {}, CLAIM);
  const role = attempt.kind === 'response' ? (attempt.body as { role?: string }).role : undefined;
  return {
    succeeded: role === 'admin' || report.kind === 'response',
    detail: `stored role ${role ?? '(nothing stored)'}; adminReport: ${describeReply(report)}`,
    ...(attempt.kind === 'error' ? { refusal: attempt.error.id ?? 'error' } : {}),
  };
}


/** The attacks carried in request bodies. */
export const PAYLOAD_ATTACKS: readonly Attack[] = [
  {
    threat: 'code injection',
    name: 'prototype pollution: `__proto__` key merged into defaults',
    expected: ['BST_ERR_CODEC_FORBIDDEN_KEY'],
    naive: ({ naive }: World) => withPeer(openTcp(naive.tcpPort), (peer) => pollute(peer, () => openTcp(naive.tcpPort))),
    bastion: (world: World) => withPeer(asReports(world), (peer) => pollute(peer, () => asReports(world))),
  },
  {
    threat: 'data corruption',
    name: 'extra-field smuggling: `role: "admin"` beside the declared fields',
    expected: ['BST_ERR_VALIDATION_FAILED'],
    naive: ({ naive }: World) => withPeer(openTcp(naive.tcpPort), smuggle),
    bastion: (world: World) => withPeer(asReports(world), smuggle),
  },
];
