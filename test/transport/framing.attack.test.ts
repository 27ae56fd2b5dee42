import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cachedHeaderPrefixes, encodeFrame, MAX_HEADER_PREFIXES } from '../../src/transport/framing.js';

describe('encodeFrame', () => {
  describe('.headerCache', () => {
    describe('when a caller makes the client send to ever new service and endpoint names (a gateway forwarding its input)', () => {
      it('should keep at most MAX_HEADER_PREFIXES header prefixes, so the names cannot grow memory without bound', () => {
        const body = new Uint8Array(0);
        for (let i = 0; i < MAX_HEADER_PREFIXES * 5; i++) {
          const header = { service: `svc-${i}`, endpoint: `Attack.e${i}`, contentType: 'application/json', metadata: {}, timeoutMs: 1000 };
          encodeFrame({ kind: 'request', callId: 1, header, body });
          assert.ok(cachedHeaderPrefixes() <= MAX_HEADER_PREFIXES, `${cachedHeaderPrefixes()} prefixes cached after ${i + 1} names`);
        }
        assert.ok(cachedHeaderPrefixes() > 0);
      });
    });
  });
});
