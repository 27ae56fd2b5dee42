import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EndpointCodecs } from '../../src/client/endpoint-codecs.js';
import type { Registry, ServiceRecord } from '../../src/registry/registry.js';

/** The one registry read EndpointCodecs makes, counted. */
function registryOf(records: ServiceRecord[]): Pick<Registry, 'getService'> & { reads: number } {
  return {
    reads: 0,
    async getService(name: string) {
      this.reads++;
      return records.filter((r) => r.name === name);
    },
  };
}

const record = (version: string, codec: string): ServiceRecord => ({
  name: 'orders',
  version,
  metadata: {},
  endpoints: [{ name: 'Orders.add', request: 'OrderLine', codec }],
  nodes: [],
});

describe(EndpointCodecs.name, () => {
  describe('.contentType', () => {
    describe('when the service registered the endpoint', () => {
      it('should return its content type and reuse it within the ttl', async () => {
        const registry = registryOf([record('1', 'application/msgpack')]);
        const codecs = new EndpointCodecs(registry, 60_000);
        assert.equal(await codecs.contentType('orders', 'Orders.add'), 'application/msgpack');
        assert.equal(await codecs.contentType('orders', 'Orders.add'), 'application/msgpack');
        assert.equal(registry.reads, 1);
      });
    });

    describe('when two versions list the endpoint', () => {
      it('should take the first record that lists it', async () => {
        const codecs = new EndpointCodecs(registryOf([record('2', 'application/msgpack'), record('1', 'application/json')]));
        assert.equal(await codecs.contentType('orders', 'Orders.add'), 'application/msgpack');
      });
    });

    describe('when no record lists the endpoint', () => {
      it('should return undefined, so the client default applies, reading the registry once per service within the ttl', async () => {
        const registry = registryOf([record('1', 'application/msgpack')]);
        const codecs = new EndpointCodecs(registry, 60_000);
        assert.equal(await codecs.contentType('orders', 'Orders.remove'), undefined);
        assert.equal(await codecs.contentType('orders', 'Orders.remove'), undefined);
        assert.equal(await codecs.contentType('billing', 'Billing.pay'), undefined);
        assert.equal(await codecs.contentType('billing', 'Billing.pay'), undefined);
        // orders once (cached, misses included); billing, which has no record, each time.
        assert.equal(registry.reads, 3);
      });
    });

    describe('when the ttl has passed', () => {
      it('should read the registry again and see a changed codec', async () => {
        const records = [record('1', 'application/json')];
        const registry = registryOf(records);
        const codecs = new EndpointCodecs(registry, 0);
        assert.equal(await codecs.contentType('orders', 'Orders.add'), 'application/json');
        records[0] = record('1', 'application/msgpack');
        assert.equal(await codecs.contentType('orders', 'Orders.add'), 'application/msgpack');
        assert.equal(registry.reads, 2);
      });
    });
  });

  describe('.lookup', () => {
    describe('when the service is not cached yet, then cached, then stale', () => {
      it('should read the registry, then answer without a promise, then read it again', async () => {
        const registry = registryOf([record('1', 'application/msgpack')]);
        const codecs = new EndpointCodecs(registry, 40);
        const first = codecs.lookup('orders', 'Orders.add');
        assert.ok(first instanceof Promise);
        assert.equal((await first)?.codec, 'application/msgpack');
        const second = codecs.lookup('orders', 'Orders.add');
        assert.equal(second instanceof Promise, false);
        assert.equal((second as { codec: string } | undefined)?.codec, 'application/msgpack');
        assert.equal(codecs.lookup('orders', 'Orders.missing'), undefined);
        await new Promise((resolve) => setTimeout(resolve, 60));
        assert.ok(codecs.lookup('orders', 'Orders.add') instanceof Promise);
        assert.equal(registry.reads, 2);
      });
    });
  });
});
