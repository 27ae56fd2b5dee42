import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { greetThroughTheKit } from '../../examples/testing-kit/greeter.kit.js';

describe('greetThroughTheKit', () => {
  for (const transport of ['tls', 'memory'] as const) {
    describe(`when run on the ${transport} transport`, () => {
      it('should greet greeter-client and refuse a stranger with 403', async () => {
        const outcome = await greetThroughTheKit(transport);
        assert.deepEqual(outcome, { allowed: { message: 'Hello, Ada!', caller: 'greeter-client' }, strangerCode: 403 });
      });
    });
  }
});
