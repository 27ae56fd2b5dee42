// docs/observability.md lists every security event, handshake reason and metric the code
// declares, and nothing the code does not.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { HANDSHAKE_REFUSED_REASONS, METRIC_NAMES, SECURITY_EVENTS } from '../../src/index.js';

const docs = await readFile(new URL('../../../docs/observability.md', import.meta.url), 'utf8');
const tableNames = (prefix: RegExp) => [...docs.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1] as string).filter((name) => prefix.test(name));

describe('docs/observability.md', () => {
  describe('when compared with SECURITY_EVENTS', () => {
    it('should list every event name, and no other', () => {
      assert.deepEqual(tableNames(/^(?!bastion_)/).sort(), Object.values(SECURITY_EVENTS).sort());
    });
  });

  describe('when compared with METRIC_NAMES', () => {
    it('should list every metric name, and no other', () => {
      assert.deepEqual(tableNames(/^bastion_/).sort(), Object.values(METRIC_NAMES).sort());
    });
  });

  describe('when compared with HANDSHAKE_REFUSED_REASONS', () => {
    it('should list every reason', () => {
      const line = /`handshake_refused` reasons: ([^.]+)\./.exec(docs.replace(/\n/g, ' '))?.[1] ?? '';
      assert.deepEqual([...line.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]), [...HANDSHAKE_REFUSED_REASONS]);
    });
  });
});
