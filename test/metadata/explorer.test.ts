import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IsString } from 'class-validator';
import { Codec, Handler, RateLimit, RequireMutualTLS, Service } from '../../src/index.js';
import { BastionError } from '../../src/errors/bastion-error.js';
import { auditTable, formatAuditTable, strictViolations } from '../../src/metadata/audit.js';
import { exploreService, exploreServices } from '../../src/metadata/explorer.js';

class Text {
  @IsString()
  text!: string;
}

const DEFAULTS = { codec: 'application/json' };

@RequireMutualTLS({ allow: ['a', 'b*'] })
@RateLimit({ tokensPerInterval: 100, interval: 'second' })
@Codec('application/x-class')
@Service({ name: 'layered' })
class Layered {
  @Handler() inherits(request: Text) {
    return request;
  }

  @RequireMutualTLS({ allow: ['b'] })
  @RateLimit({ tokensPerInterval: 1, interval: 'minute' })
  @Codec('application/x-method')
  @Handler()
  overrides(request: Text) {
    return request;
  }
}

@Service({ name: 'open' })
class Open {
  @Handler() health() {
    return { ok: true };
  }
}

describe('exploreService', () => {
  describe('when the class and a method both set codec, rate limit and mTLS', () => {
    it('should let the method override the class for codec and mTLS, and apply both rate limits, class first', () => {
      const [inherits, overrides] = exploreService(Layered, DEFAULTS);
      assert.equal(inherits?.endpoint, 'Layered.inherits');
      assert.equal(inherits?.codec, 'application/x-class');
      assert.deepEqual(inherits?.mutualTLS, { allow: ['a', 'b*'] });
      assert.deepEqual(inherits?.rateLimits.map((p) => p.intervalMs), [1000]);
      assert.equal(inherits?.request, Text);
      assert.equal(overrides?.codec, 'application/x-method');
      assert.deepEqual(overrides?.mutualTLS, { allow: ['b'] });
      assert.deepEqual(overrides?.rateLimits.map((p) => p.intervalMs), [1000, 60_000]);
    });
  });

  describe('when a handler takes no parameter', () => {
    it('should have no request DTO and the default codec', () => {
      const [health] = exploreService(Open, DEFAULTS);
      assert.equal(health?.request, undefined);
      assert.equal(health?.codec, 'application/json');
    });
  });

  describe('when the request parameter is not a class', () => {
    it('should refuse interfaces, primitives and Object with a message naming the endpoint', () => {
      interface Shape {
        text: string;
      }
      @Service({ name: 'loose' })
      class Loose {
        @Handler() take(request: Shape) {
          return request;
        }
      }
      assert.throws(() => exploreService(Loose, DEFAULTS), /Loose\.take: the request parameter must be typed by a DTO class \(got Object\)/);
    });
  });

  describe('when the class has no @Service', () => {
    it('should refuse it', () => {
      class Plain {}
      assert.throws(() => exploreService(Plain, DEFAULTS), (error) => BastionError.hasId(error, 'BST_ERR_DECORATOR_INVALID_TARGET'));
    });
  });
});

describe('exploreService mTLS precedence', () => {
  describe('when the class has an allow list and a method adds a bare @RequireMutualTLS()', () => {
    it('should keep the class allow list (attack F2: a bare method decorator must not widen it)', () => {
      @RequireMutualTLS({ allow: ['admin'] })
      @Service({ name: 'guarded' })
      class Guarded {
        @RequireMutualTLS()
        @Handler()
        sleep(request: Text) {
          return request;
        }
      }
      assert.deepEqual(exploreService(Guarded, DEFAULTS)[0]?.mutualTLS, { allow: ['admin'] });
    });
  });

  describe('when a method allow list names an identity the class list excludes', () => {
    it('should refuse the class, naming the widening entries', () => {
      @RequireMutualTLS({ allow: ['admin', 'ops-*'] })
      @Service({ name: 'widened' })
      class Widened {
        @RequireMutualTLS({ allow: ['ops-eu', 'intruder', 'ops*'] })
        @Handler()
        run(request: Text) {
          return request;
        }
      }
      assert.throws(() => exploreService(Widened, DEFAULTS), /Widened\.run: @RequireMutualTLS allows intruder, ops\*, which the class allow list \(admin, ops-\*\) excludes/);
    });
  });

  describe('when a method narrows the class allow list', () => {
    it('should use the narrower method list', () => {
      @RequireMutualTLS({ allow: ['*'] })
      @Service({ name: 'narrowed' })
      class Narrowed {
        @RequireMutualTLS({ allow: ['ops-eu'] })
        @Handler()
        run(request: Text) {
          return request;
        }
      }
      assert.deepEqual(exploreService(Narrowed, DEFAULTS)[0]?.mutualTLS, { allow: ['ops-eu'] });
    });
  });
});

describe('exploreServices', () => {
  describe('when the same class is given twice', () => {
    it('should refuse the duplicate endpoints', () => {
      assert.throws(() => exploreServices([Open, Open], DEFAULTS), /Endpoint open\/Open\.health is declared twice/);
    });
  });
});

describe('auditTable', () => {
  describe('when endpoints differ in protection', () => {
    it('should list each with its protections, and strict mode should name the unprotected one', () => {
      const endpoints = exploreServices([Layered, Open], DEFAULTS);
      const rows = auditTable(endpoints);
      assert.deepEqual(rows[2], {
        service: 'open',
        endpoint: 'Open.health',
        mutualTLS: 'none',
        allow: '-',
        rateLimit: 'none',
        maxInFlight: '-/-',
        codec: 'application/json',
        request: '(none)',
        kind: 'call',
      });
      assert.match(formatAuditTable(rows), /layered\s+Layered\.overrides\s+required\s+b\s+\d+\/1000ms burst \d+ per \w+ \+ 1\/60000ms burst 1 per peer/);
      assert.deepEqual(strictViolations(endpoints), [
        'open/Open.health has no @RequireMutualTLS()',
        'open/Open.health has no @RateLimit()',
      ]);
    });
  });
});
