// The testing kit on the greeter: boot it in-process, call it as two identities, tear down.
import { BastionError } from '../../src/index.js';
import { createTestApp, type TestTransport } from '../../src/testing/index.js';
import { Greeter, type HelloReply } from '../greeter/greeter.service.js';

/** What the greeter answered an allowed caller, and the code it gave a stranger. */
export interface KitOutcome {
  readonly allowed: HelloReply;
  readonly strangerCode: number | undefined;
}

/** Boots the greeter with a throwaway CA (or on the memory transport) and calls it twice. */
export async function greetThroughTheKit(transport: TestTransport = 'tls'): Promise<KitOutcome> {
  const app = await createTestApp({ services: [Greeter], transport });
  try {
    const asClient = await app.client(Greeter, { as: 'greeter-client' });
    const allowed = await asClient.hello({ name: 'Ada' });
    const asStranger = await app.client(Greeter, { as: 'stranger' });
    const strangerCode = await asStranger.hello({ name: 'Eve' }).then(
      () => undefined,
      (error: unknown) => (BastionError.is(error) ? error.code : undefined),
    );
    return { allowed, strangerCode };
  } finally {
    await app.close();
  }
}
