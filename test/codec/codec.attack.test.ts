// Attacks on the decode -> bind path the server runs before a handler (ARCHITECTURE.md
// section 2, step 8): each shared case must be refused before the handler runs, with a
// client error, and must leave Object.prototype untouched.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { plainToInstance, Type } from 'class-transformer';
import { IsBoolean, IsEmail, IsInt, IsObject, IsOptional, IsString, Max, Min, validate, ValidateNested } from 'class-validator';
import { JSONCodec } from '../../src/codec/json.codec.js';
import { DEFAULT_CODEC_LIMITS, resolveCodecLimits } from '../../src/codec/options.js';
import { decodeBody } from '../../src/codec/pipeline.js';
import { BastionError } from '../../src/errors/bastion-error.js';
import type { DtoClass } from '../../src/metadata/models.js';
import { StrictBinder } from '../../src/validation/strict-binder.js';
import { fieldPaths, prototypeKeys, rejectsBastion, throwsBastion, utf8 } from './support.js';

class Review {
  @IsInt() @Min(0) @Max(10) rating!: number;
  @IsEmail() email!: string;
}

class Impostor {
  @IsInt() rating!: number;
  constructor() {
    // A class whose constructor hands back a plain object: validate() alone sees no metadata.
    return {} as Impostor;
  }
}

class Profile {
  @IsOptional() @IsString() name?: string;
}

class Access {
  @IsBoolean() canAccess!: boolean;
  @IsString() name!: string;
}

class Score {
  @IsOptional() @IsInt() math?: number;
}

class Student {
  @ValidateNested() @Type(() => Score) score!: Score;
}

class StudentWithoutType {
  @ValidateNested() score!: Score;
}

class Probe {
  @IsOptional() @IsObject() a?: object;
}

const VALID_REVIEW = { rating: 7, email: 'ada@example.com' };

describe('codec and binder under attack', () => {
  const codec = new JSONCodec();
  const limits = DEFAULT_CODEC_LIMITS;
  let binder: StrictBinder;
  let handler: ReturnType<typeof mock.fn>;
  let before: string[];

  /** What the server does for one call: decode, bind, and run the handler only if both pass. */
  async function serve(dto: DtoClass, body: string | Uint8Array, callLimits = limits): Promise<void> {
    const plain = decodeBody(codec, typeof body === 'string' ? utf8(body) : body, callLimits);
    handler(await binder.toInstance(dto, plain));
  }

  beforeEach(() => {
    binder = new StrictBinder();
    handler = mock.fn();
    before = prototypeKeys();
  });

  afterEach(() => {
    const polluted = ({} as Record<string, unknown>)['polluted'] !== undefined || ({} as Record<string, unknown>)['isAdmin'] !== undefined;
    delete (Object.prototype as Record<string, unknown>)['polluted'];
    delete (Object.prototype as Record<string, unknown>)['isAdmin'];
    assert.equal(polluted, false, 'Object.prototype was polluted');
    assert.deepEqual(prototypeKeys(), before);
  });

  describe('B01: __proto__ bodies and non-instances', () => {
    it('B01: refuses a __proto__ body with a bad rating and email before the handler runs', async () => {
      const body = '{"rating":"1; DROP TABLE reviews;--","email":7,"__proto__":{}}';
      await rejectsBastion(serve(Review, body), 'BST_ERR_CODEC_FORBIDDEN_KEY', 400);
      assert.equal(handler.mock.callCount(), 0);
    });

    it('B01: names rating and email when the same object reaches the binder without the codec', async () => {
      const plain: unknown = JSON.parse('{"rating":"1; DROP TABLE reviews;--","email":7,"__proto__":{}}');
      const error = await rejectsBastion(binder.toInstance(Review, plain), 'BST_ERR_VALIDATION_FAILED', 400);
      assert.deepEqual(fieldPaths(error).sort(), ['__proto__', 'email', 'rating']);
      assert.equal(handler.mock.callCount(), 0);
    });

    it('B01: refuses a plain object whose prototype was swapped', async () => {
      for (const proto of [Review.prototype, { isAdmin: true }]) {
        const plain = Object.setPrototypeOf({ rating: 'x', email: 7 }, proto) as object;
        const error = await rejectsBastion(binder.toInstance(Review, plain), 'BST_ERR_VALIDATION_FAILED', 400);
        assert.deepEqual(fieldPaths(error), ['(body)']);
      }
      assert.equal(handler.mock.callCount(), 0);
    });

    it('B01: never treats "no errors" on a non-instance as success', async () => {
      const notAnInstance = plainToInstance(Impostor, { rating: 'x' });
      assert.deepEqual(await validate(notAnInstance, { forbidUnknownValues: false }), [], 'the library fault this guards against');
      const error = await rejectsBastion(binder.toInstance(Impostor, { rating: 'x' }), 'BST_ERR_VALIDATION_FAILED', 400);
      assert.match(error.fields?.[0]?.constraints[0] ?? '', /^isInstance: /);
      assert.equal(handler.mock.callCount(), 0);
    });

    it('B01: still serves a valid review afterwards', async () => {
      await serve(Review, JSON.stringify(VALID_REVIEW));
      assert.equal(handler.mock.callCount(), 1);
    });
  });

  describe('B02: prototype keys through class-transformer', () => {
    const bodies = {
      a: '{"name":"x","__proto__":{"isAdmin":true}}',
      b: '{"name":"x","constructor":{"prototype":{"isAdmin":true}}}',
      c: '{"name":"x","prototype":{"isAdmin":true}}',
    };

    for (const [variant, body] of Object.entries(bodies)) {
      it(`B02 (${variant}): refuses the body as a forbidden key`, async () => {
        await rejectsBastion(serve(Profile, body), 'BST_ERR_CODEC_FORBIDDEN_KEY', 400);
        assert.equal(handler.mock.callCount(), 0);
      });

      it(`B02 (${variant}): never hands the binder's output a key a merge could follow`, async () => {
        try {
          const bound = await binder.toInstance(Profile, JSON.parse(body));
          assert.deepEqual(Object.keys(bound), ['name']);
          naiveMerge({}, bound);
        } catch (error) {
          assert.ok(BastionError.hasId(error, 'BST_ERR_VALIDATION_FAILED'));
          // The binder names the smuggled key itself, whichever of the three it is.
          assert.deepEqual(fieldPaths(error), [Object.keys(JSON.parse(body))[1]]);
        }
      });
    }

    it('B02: leaves later unrelated requests unaffected', async () => {
      for (const body of Object.values(bodies)) await assert.rejects(serve(Profile, body));
      await serve(Profile, '{"name":"y"}');
      assert.equal(handler.mock.callCount(), 1);
      assert.equal(({} as Record<string, unknown>)['isAdmin'], undefined);
    });
  });

  describe('B03: no implicit conversion', () => {
    it('B03: refuses canAccess "false" and name 123, naming both', async () => {
      const error = await rejectsBastion(serve(Access, '{"canAccess":"false","name":123}'), 'BST_ERR_VALIDATION_FAILED', 400);
      assert.deepEqual(fieldPaths(error), ['canAccess', 'name']);
      assert.equal(handler.mock.callCount(), 0);
    });

    it('B03: refuses "true", "1" and 0 for a boolean', async () => {
      for (const value of ['"true"', '"1"', '0']) {
        await rejectsBastion(serve(Access, `{"canAccess":${value},"name":"n"}`), 'BST_ERR_VALIDATION_FAILED', 400);
      }
      assert.equal(handler.mock.callCount(), 0);
    });
  });

  describe('B04: single nested DTOs', () => {
    it('B04 (a): refuses score as a one-element array', async () => {
      const instance = plainToInstance(Student, { score: [{ math: 100 }] });
      assert.deepEqual(await validate(instance), [], 'the library fault this guards against');
      const error = await rejectsBastion(serve(Student, '{"score":[{"math":100}]}'), 'BST_ERR_VALIDATION_FAILED', 400);
      assert.deepEqual(fieldPaths(error), ['score']);
      assert.match(error.fields?.[0]?.constraints[0] ?? '', /an object was expected/);
    });

    it('B04 (b): refuses score as an array of arrays', async () => {
      const error = await rejectsBastion(serve(Student, '{"score":[[{"math":"x"}]]}'), 'BST_ERR_VALIDATION_FAILED', 400);
      assert.deepEqual(fieldPaths(error), ['score']);
    });

    it('B04 (c): refuses at boot a @ValidateNested property without @Type, and never binds it', async () => {
      throwsBastion(() => binder.prepare(StudentWithoutType), 'BST_ERR_DECORATOR_INVALID_TARGET', 500);
      await rejectsBastion(serve(StudentWithoutType, '{"score":{"math":"x"}}'), 'BST_ERR_DECORATOR_INVALID_TARGET', 500);
    });

    it('B04: reports the inner error of a well-typed nested object', async () => {
      const error = await rejectsBastion(serve(Student, '{"score":{"math":"x"}}'), 'BST_ERR_VALIDATION_FAILED', 400);
      assert.deepEqual(fieldPaths(error), ['score.math']);
      assert.equal(handler.mock.callCount(), 0);
      await serve(Student, '{"score":{"math":100}}');
      assert.equal(handler.mock.callCount(), 1);
    });
  });

  describe('B06: deep nesting', () => {
    const shapes = {
      objects: (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n),
      arrays: (n: number) => '['.repeat(n) + ']'.repeat(n),
    };

    for (const [shape, build] of Object.entries(shapes)) {
      for (const depth of [1_000, 5_000, 8_000, 50_000]) {
        it(`B06: refuses ${depth} nested ${shape} with TOO_DEEP, no RangeError, while a normal call succeeds`, async () => {
          const normal = serve(Probe, '{"a":{"b":1}}');
          const error = await rejectsBastion(serve(Probe, build(depth)), 'BST_ERR_CODEC_TOO_DEEP', 400);
          assert.ok(!(error.cause instanceof RangeError));
          await normal;
          assert.equal(handler.mock.callCount(), 1);
        });
      }
    }

    it('B06: accepts a body nested exactly maxDepth (64) deep', async () => {
      await serve(Probe, shapes.objects(limits.maxDepth));
      assert.equal(handler.mock.callCount(), 1);
      assert.ok(decodeBody(codec, utf8(shapes.arrays(limits.maxDepth)), limits));
    });

    it('B06: refuses a body nested one level past maxDepth', async () => {
      await rejectsBastion(serve(Probe, shapes.objects(limits.maxDepth + 1)), 'BST_ERR_CODEC_TOO_DEEP', 400);
    });
  });

  describe('B07: prototype keys in JSON', () => {
    const bodies = {
      'a (top-level __proto__)': '{"name":"ok","__proto__":{"polluted":1}}',
      'b (constructor.prototype)': '{"name":"ok","constructor":{"prototype":{"polluted":1}}}',
      'c (__proto__ two levels down in an array)': '{"name":"ok","list":[{"x":{"__proto__":{"polluted":1}}}]}',
      'c (constructor two levels down in an array)': '{"list":[[{"constructor":{"prototype":{"polluted":1}}}]]}',
      'd (unicode-escaped __proto__)': '{"name":"ok","\\u005f_proto__":{"polluted":1}}',
      'd (fully escaped __proto__)': '{"\\u005f\\u005f\\u0070roto\\u005f\\u005f":{"polluted":1}}',
    };

    for (const [variant, body] of Object.entries(bodies)) {
      it(`B07 ${variant}: is refused as a forbidden key`, async () => {
        await rejectsBastion(serve(Probe, body), 'BST_ERR_CODEC_FORBIDDEN_KEY', 400);
        assert.equal(handler.mock.callCount(), 0);
      });
    }
  });

  describe('oversized bodies', () => {
    it('refuses a 50 MB string body by size with a 413', () => {
      const body = Buffer.alloc(50 * 1024 * 1024, 'a');
      body[0] = 0x22;
      body[body.length - 1] = 0x22;
      throwsBastion(() => decodeBody(codec, body, limits), 'BST_ERR_CODEC_TOO_LARGE', 413);
    });

    it('refuses a 10-million-element array by size with a 413', () => {
      const body = Buffer.alloc(20_000_001, '0,');
      body[0] = 0x5b;
      body[body.length - 1] = 0x5d;
      throwsBastion(() => decodeBody(codec, body, limits), 'BST_ERR_CODEC_TOO_LARGE', 413);
    });

    it('refuses an array over maxArrayLength with a 413 when the size limit is raised', () => {
      const roomy = resolveCodecLimits({ maxBytes: 4 * 1024 * 1024 });
      const body = utf8(`[${'0,'.repeat(limits.maxArrayLength)}0]`);
      throwsBastion(() => decodeBody(codec, body, roomy), 'BST_ERR_CODEC_TOO_LARGE', 413);
    });

    it('refuses a string over maxStringLength with a 413 when the size limit is raised', () => {
      const roomy = resolveCodecLimits({ maxBytes: 4 * 1024 * 1024 });
      const body = utf8(`{"a":"${'x'.repeat(limits.maxStringLength + 1)}"}`);
      throwsBastion(() => decodeBody(codec, body, roomy), 'BST_ERR_CODEC_TOO_LARGE', 413);
    });
  });
});

/** The vulnerable deep merge of B02/B07: follows whatever keys the source has. */
function naiveMerge(target: Record<string, unknown>, source: object): Record<string, unknown> {
  for (const key of Object.keys(source)) {
    const value = (source as Record<string, unknown>)[key];
    if (typeof value === 'object' && value !== null) {
      target[key] ??= {};
      naiveMerge(target[key] as Record<string, unknown>, value);
    } else {
      target[key] = value;
    }
  }
  return target;
}
