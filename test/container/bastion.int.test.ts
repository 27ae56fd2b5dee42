import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Exclude } from 'class-transformer';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';
import { injectable } from 'inversify';
import {
  Bastion,
  BastionError,
  Handler,
  MemoryRegistry,
  RateLimit,
  RequireMutualTLS,
  Service,
  type CallContext,
  type TLSOptions,
} from '../../src/index.js';
import { createTestPki, type TestPki } from '../fixtures/pki.js';
import { RecordingLogger } from '../fixtures/quiet-logger.js';

class AccountRequest {
  @IsString()
  @Length(1, 32)
  user!: string;

  @IsInt()
  @Min(0)
  @Max(10)
  rating!: number;
}

class Account {
  @Exclude()
  passwordHash = 'bcrypt$secret';

  constructor(
    readonly user: string,
    readonly rating: number,
  ) {}
}

@injectable()
class Greetings {
  readonly prefix = 'Welcome';
}

@RequireMutualTLS({ allow: ['frontend'] })
@Service({ name: 'accounts', version: '1.2.0' })
class Accounts {
  calls = 0;
  constructor(private readonly greetings: Greetings) {}

  @RateLimit({ tokensPerInterval: 3, interval: 'hour' })
  @Handler()
  open(request: AccountRequest, ctx: CallContext): Account {
    this.calls++;
    return new Account(`${this.greetings.prefix} ${request.user} (${ctx.peer.identity?.name})`, request.rating);
  }

  @Handler()
  crash(request: AccountRequest): never {
    throw new Error(`cannot open /var/lib/accounts/${request.user}.db`);
  }
}

describe(Bastion.name, () => {
  let pki: TestPki;
  let registry: MemoryRegistry;
  let server: Bastion;
  let frontend: Bastion;
  let stranger: Bastion;
  const logger = new RecordingLogger();

  const clientOf = async (tls: TLSOptions) => Bastion.create({ tls, registry, registryPolicy: { allowServices: ['accounts'] }, logger });

  before(async () => {
    pki = await createTestPki();
    registry = new MemoryRegistry();
    server = await Bastion.create({ services: [Accounts], tls: await pki.tlsFor('accounts'), registry, logger });
    await server.start();
    frontend = await clientOf(await pki.tlsFor('frontend'));
    stranger = await clientOf(await pki.tlsFor('stranger'));
  });
  after(async () => {
    await frontend?.stop();
    await stranger?.stop();
    await server?.stop();
  });

  describe('.client.call', () => {
    describe('when an allowed caller sends a valid request', () => {
      it('should run the injected handler and return only exposed fields', async () => {
        const reply = await frontend.client.call<Record<string, unknown>>('accounts', 'Accounts.open', { user: 'ada', rating: 7 });
        assert.deepEqual(reply, { user: 'Welcome ada (frontend)', rating: 7 });
      });
    });

    describe('when the request breaks the DTO', () => {
      it('should answer 400 naming each field, extra ones included, without running the handler', async () => {
        const instance = server.container.get(Accounts);
        const before = instance.calls;
        const error = await frontend.client.call('accounts', 'Accounts.open', { user: 5, rating: '7; DROP TABLE', isAdmin: true }).then(
          () => assert.fail('expected a 400'),
          (e: unknown) => e,
        );
        assert.ok(BastionError.hasId(error, 'BST_ERR_VALIDATION_FAILED'));
        assert.deepEqual(error.fields?.map((f) => f.path).sort(), ['isAdmin', 'rating', 'user']);
        assert.doesNotMatch(JSON.stringify(error.toWire()), /DROP TABLE/);
        assert.equal(instance.calls, before);
      });
    });

    describe('when the caller has a valid certificate of an identity not allowed', () => {
      it('should answer 403', async () => {
        await assert.rejects(stranger.client.call('accounts', 'Accounts.open', { user: 'eve', rating: 1 }), (e) => {
          assert.ok(BastionError.hasId(e, 'BST_ERR_SECURITY_PEER_NOT_ALLOWED'));
          assert.equal(e.code, 403);
          return true;
        });
      });
    });

    describe('when the handler fails', () => {
      it('should answer 500 with no path or stack, and log the cause on the server', async () => {
        await assert.rejects(frontend.client.call('accounts', 'Accounts.crash', { user: 'ada', rating: 1 }), (e) => {
          assert.ok(BastionError.hasId(e, 'BST_ERR_SERVER_INTERNAL'));
          assert.doesNotMatch(JSON.stringify(e.toWire()), /\/var\/lib|at |\.js/);
          return true;
        });
        assert.ok(logger.records.some((r) => r.event === 'handler_failed' && String(r.fields['error']).includes('/var/lib/accounts')));
      });
    });

    describe('when the endpoint does not exist', () => {
      it('should answer 404', async () => {
        await assert.rejects(frontend.client.call('accounts', 'Accounts.delete', {}), (e) => BastionError.is(e) && e.code === 404);
      });
    });

    describe('when the service is not registered or not trusted', () => {
      it('should answer 503 no nodes', async () => {
        await assert.rejects(frontend.client.call('billing', 'Billing.pay', {}), (e) => BastionError.hasId(e, 'BST_ERR_CLIENT_NO_NODES'));
      });
    });

    describe('when a burst exceeds the rate limit', () => {
      it('should let exactly the budget through and answer 429 with retry-after to the rest', async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, () => frontend.client.call('accounts', 'Accounts.open', { user: 'bob', rating: 2 })),
        );
        const ok = results.filter((r) => r.status === 'fulfilled').length;
        const limited = results.filter((r) => r.status === 'rejected' && BastionError.hasId(r.reason, 'BST_ERR_RATELIMIT_EXCEEDED'));
        // 3 per hour; the valid call and the one refused by validation took a token each,
        // since the rate limit runs before decoding.
        assert.equal(ok, 1);
        assert.equal(limited.length, 9);
        for (const r of limited) {
          const retry = (r as PromiseRejectedResult).reason.retryAfterMs as number;
          assert.ok(Number.isInteger(retry) && retry > 0 && retry <= 3_600_000, String(retry));
        }
      });
    });
  });

  describe('.create', () => {
    describe('when the options carry no TLS set-up', () => {
      it('should refuse to boot', async () => {
        await assert.rejects(
          Bastion.create({ services: [Accounts] } as unknown as Parameters<typeof Bastion.create>[0]),
          (e) => BastionError.hasId(e, 'BST_ERR_SECURITY_TLS_CONFIG'),
        );
      });
    });

    describe('when strict mode meets an unprotected endpoint', () => {
      it('should refuse to boot and name every problem', async () => {
        await assert.rejects(Bastion.create({ services: [Accounts], tls: await pki.tlsFor('accounts'), strict: true, logger }), (e) => {
          assert.ok(BastionError.hasId(e, 'BST_ERR_BOOT_INVALID_CONFIG'));
          assert.match(e.detail, /accounts\/Accounts\.crash has no @RateLimit\(\)/);
          assert.doesNotMatch(e.detail, /Accounts\.open has no/);
          return true;
        });
      });
    });

    describe('when an endpoint selects a codec that is not bound', () => {
      it('should refuse to boot naming the endpoint', async () => {
        const { Codec } = await import('../../src/index.js');
        @Codec('application/x-unknown')
        @Service({ name: 'odd' })
        class Odd {
          @Handler() take(request: AccountRequest) {
            return request;
          }
        }
        await assert.rejects(
          Bastion.create({ services: [Odd], tls: await pki.tlsFor('odd'), logger }),
          /odd\/Odd\.take uses codec 'application\/x-unknown', which is not bound/,
        );
      });
    });
  });

  describe('.start', () => {
    describe('when the app is a client only (no services)', () => {
      it('should resolve with undefined, listen on nothing, log one debug line, and stop twice', async () => {
        const own = new RecordingLogger();
        const client = await Bastion.create({ tls: await pki.tlsFor('frontend'), registry, registryPolicy: { allowServices: ['accounts'] }, logger: own });
        const address: undefined = await client.start();
        assert.equal(address, undefined);
        assert.deepEqual(own.records.filter((r) => r.event === 'server_not_started').map((r) => r.level), ['debug']);
        await client.stop();
        await client.stop();
      });
    });
  });

  describe('.stop', () => {
    describe('when called twice after start', () => {
      it('should deregister the service and close once', async () => {
        const own = new MemoryRegistry();
        const app = await Bastion.create({ services: [Accounts], tls: await pki.tlsFor('accounts'), registry: own, logger });
        await app.start();
        assert.equal((await own.getService('accounts'))[0]?.nodes.length, 1);
        await app.stop();
        await app.stop();
        assert.equal((await own.getService('accounts')).flatMap((r) => r.nodes).length, 0);
      });
    });
  });
});
