import type { ScaffoldContext } from './scaffold-context.js';

/** `test/<service>.test.ts`: the service booted by the testing kit, called as allowed and refused peers. */
export function testTemplate(ctx: ScaffoldContext): string {
  return `import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BastionError } from 'bastion';
import { createTestApp, type TestApp } from 'bastion/testing';
import { ${ctx.className} } from '../src/${ctx.service}.service.js';

describe('${ctx.className}', () => {
  let app: TestApp;
  before(async () => (app = await createTestApp({ services: [${ctx.className}] })));
  after(() => app.close());

  describe('.hello', () => {
    describe('when ${ctx.clientIdentity} calls', () => {
      it('should greet by name over mutual TLS', async () => {
        const service = await app.client(${ctx.className}, { as: '${ctx.clientIdentity}' });
        assert.deepEqual(await service.hello({ name: 'Ada' }), { message: 'Hello, Ada!', caller: '${ctx.clientIdentity}' });
      });
    });

    describe('when another identity calls', () => {
      it('should refuse it with 403', async () => {
        const service = await app.client(${ctx.className}, { as: 'stranger' });
        await assert.rejects(service.hello({ name: 'Ada' }), (e: unknown) => BastionError.is(e) && e.code === 403);
      });
    });

    describe('when the request is invalid', () => {
      it('should refuse it with 400 before the handler runs', async () => {
        // The untyped client, since the typed one would not let us send a field the DTO lacks.
        const client = await app.clientAs('${ctx.clientIdentity}');
        const bad = client.call('${ctx.service}', '${ctx.className}.hello', { name: '', admin: true });
        await assert.rejects(bad, (e: unknown) => BastionError.is(e) && e.code === 400);
      });
    });
  });
});
`;
}
