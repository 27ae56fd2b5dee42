// Attacks on the NATS transport: crafted messages sent straight to a node's subject, and
// forged, replayed or stale identity tokens. Each is refused; the node keeps serving.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { IsString, Length } from 'class-validator';
import { connect, headers, type NatsConnection } from 'nats';
import { Bastion, Handler, MemoryRegistry, natsTransportModule, Service } from '../../src/index.js';
import { CallSigner, CallVerifier } from '../../src/transport/call-identity.js';
import { encodeFrame, FrameDecoder, type Frame } from '../../src/transport/framing.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';
import { skipUnlessService } from '../fixtures/services.js';

const skip = await skipUnlessService('NATS', '127.0.0.1', 4222, 'nats-server -js');
const prefix = `bta.rpc.${process.pid}x${Date.now().toString(36)}`;
let calls = 0;

class Hello {
  @IsString()
  @Length(1, 32)
  name!: string;
}

@Service({ name: 'greeter' })
class Greeter {
  @Handler()
  hello(hello: Hello): string {
    calls++;
    return `Hello ${hello.name}`;
  }
}

const keyPair = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string };
};
const header = { service: 'greeter', endpoint: 'Greeter.hello', contentType: 'application/json', metadata: {}, timeoutMs: 1000 };
const body = new TextEncoder().encode('{"name":"Ada"}');
const decode = (data: Uint8Array): Frame => {
  let frame: Frame | undefined;
  new FrameDecoder(1 << 20).push(data, (f) => (frame = f));
  return frame as Frame;
};

describe('NatsTransport under attack', () => {
  describe('crafted messages', { skip }, () => {
    let server: Bastion;
    let raw: NatsConnection;
    let subject: string;
    before(async () => {
      const registry = new MemoryRegistry();
      server = await Bastion.create({ services: [Greeter], insecure: true, registry, logger: new RecordingLogger(), transport: { maxFrameBytes: 4096 }, modules: [natsTransportModule({ subjectPrefix: prefix })] });
      const { port } = await server.start();
      subject = `${prefix}.${port}`;
      raw = await connect({ servers: '127.0.0.1:4222' });
    });
    after(async () => {
      await raw.drain();
      await server.stop();
    });

    describe('when garbage, oversized, wrong-kind or polluted frames arrive', () => {
      it('should answer each with an error frame, never run the handler, and keep serving', async () => {
        calls = 0;
        const huge = Buffer.alloc(8);
        huge.writeUInt32BE(0xffffffff, 0);
        const attacks: [string, Uint8Array, string][] = [
          ['a payload shorter than any frame', Uint8Array.from([0, 0, 0, 3, 1, 2, 3]), 'BST_ERR_TRANSPORT_MALFORMED_FRAME'],
          ['a truncated frame', Uint8Array.from([0, 0, 0, 40, 1, 0, 0]), 'BST_ERR_TRANSPORT_MALFORMED_FRAME'],
          ['a 4 GiB declared length', huge, 'BST_ERR_TRANSPORT_FRAME_TOO_LARGE'],
          ['a response frame', encodeFrame({ kind: 'response', callId: 1, contentType: 'application/json', body }), 'BST_ERR_TRANSPORT_MALFORMED_FRAME'],
          ['two frames in one message', Buffer.concat([encodeFrame({ kind: 'request', callId: 1, header, body }), encodeFrame({ kind: 'request', callId: 2, header, body })]), 'BST_ERR_TRANSPORT_MALFORMED_FRAME'],
          ['__proto__ metadata', Buffer.from(encodeFrame({ kind: 'request', callId: 1, header: { ...header, metadata: JSON.parse('{"__proto__":"x"}') as Record<string, string> }, body })), 'BST_ERR_TRANSPORT_MALFORMED_FRAME'],
          ['__proto__ body', encodeFrame({ kind: 'request', callId: 1, header, body: new TextEncoder().encode('{"name":"a","__proto__":{"polluted":1}}') }), 'BST_ERR_CODEC_FORBIDDEN_KEY'],
        ];
        for (const [name, bytes, id] of attacks) {
          const reply = decode((await raw.request(subject, bytes, { timeout: 2000 })).data);
          assert.equal(reply.kind, 'error', name);
          assert.equal(reply.kind === 'error' && reply.error.id, id, name);
        }
        assert.equal(calls, 0);
        assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
        const ok = decode((await raw.request(subject, encodeFrame({ kind: 'request', callId: 1, header, body }), { timeout: 2000 })).data);
        assert.equal(ok.kind, 'response');
        assert.equal(calls, 1);
      });
    });

    describe('when a request carries a forged identity header', () => {
      it('should serve it as anonymous', async () => {
        const hdrs = headers();
        hdrs.set('Bastion-Identity', `frontend.${Date.now()}.${'A'.repeat(22)}.${'B'.repeat(86)}`);
        const reply = decode((await raw.request(subject, encodeFrame({ kind: 'request', callId: 1, header, body }), { timeout: 2000, headers: hdrs })).data);
        assert.equal(reply.kind, 'response');
      });
    });
  });

  describe(CallVerifier.name, () => {
    const frontend = keyPair();
    const signer = new CallSigner({ name: 'frontend', privateKeyPem: frontend.privateKeyPem });
    const verifier = () => new CallVerifier({ trusted: { frontend: frontend.publicKeyPem }, maxSkewMs: 1000 });

    describe('when a valid token is replayed', () => {
      it('should accept it once only', () => {
        const check = verifier();
        const token = signer.token(header, body);
        assert.equal(check.verify(token, header, body)?.name, 'frontend');
        assert.equal(check.verify(token, header, body), undefined);
      });
    });

    describe('when a token is moved to another call', () => {
      it('should refuse it for another body, endpoint or service', () => {
        const token = signer.token(header, body);
        assert.equal(verifier().verify(token, header, new TextEncoder().encode('{"name":"Eve"}')), undefined);
        assert.equal(verifier().verify(token, { ...header, endpoint: 'Greeter.secret' }, body), undefined);
        assert.equal(verifier().verify(token, { ...header, service: 'billing' }, body), undefined);
      });
    });

    describe('when a token is stale, from the future, unknown or malformed', () => {
      it('should refuse it', () => {
        const now = Date.now();
        assert.equal(verifier().verify(signer.token(header, body, now - 5000), header, body, now), undefined);
        assert.equal(verifier().verify(signer.token(header, body, now + 5000), header, body, now), undefined);
        const stranger = new CallSigner({ name: 'stranger', privateKeyPem: keyPair().privateKeyPem });
        assert.equal(verifier().verify(stranger.token(header, body), header, body), undefined);
        for (const token of ['', 'frontend', 'a.b.c.d', 'x'.repeat(400), `frontend.${now}.short.sig`]) assert.equal(verifier().verify(token, header, body), undefined);
      });
    });
  });
});
