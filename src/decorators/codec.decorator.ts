import type { Codec as BodyCodec } from '../codec/codec.js';
import { assertCodecShape } from '../codec/define-codec.js';
import { BastionError } from '../errors/bastion-error.js';
import { decoratedClass } from '../metadata/update.js';
import { classOrMethodSetting, type ClassOrMethodDecorator } from './class-or-method.js';

const CONTENT_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/;

/** A codec class with a no-argument constructor. */
export type CodecClass = new () => BodyCodec;

/** What `@Codec` accepts: a content type bound at boot, a codec instance, or a codec class. */
export type CodecChoice = string | BodyCodec | CodecClass;

// One instance per codec class, so a class named on several services is bound once.
const instances = new WeakMap<CodecClass, BodyCodec>();
const declared = new WeakMap<object, BodyCodec[]>();

/**
 * Selects the codec of a class or method: by content type (the codec must be bound at
 * boot), or by a codec instance or class, which boot then binds itself. Boot fails when
 * no codec for the content type is bound, or two different codecs claim one.
 *
 * @example
 * ```ts
 * @Codec('application/msgpack')
 * @Service({ name: 'greeter' })
 * class Greeter { ... }
 * ```
 * @see docs/security/codecs.md
 */
export function Codec(choice: CodecChoice): ClassOrMethodDecorator {
  if (typeof choice === 'string') {
    if (!CONTENT_TYPE.test(choice)) {
      throw new BastionError('BST_ERR_DECORATOR_INVALID_TARGET', `@Codec: '${choice.slice(0, 80)}' is not a content type`);
    }
    return classOrMethodSetting('codec', choice);
  }
  const codec = typeof choice === 'function' ? instanceOf(choice) : choice;
  try {
    assertCodecShape(codec, '@Codec');
  } catch (error) {
    throw new BastionError('BST_ERR_DECORATOR_INVALID_TARGET', (error as BastionError).detail);
  }
  const setting = classOrMethodSetting('codec', codec.contentType);
  return (target, propertyKey, descriptor) => {
    setting(target, propertyKey, descriptor);
    const cls = decoratedClass(target, propertyKey);
    const list = declared.get(cls) ?? [];
    if (!list.includes(codec)) declared.set(cls, [...list, codec]);
  };
}

/** The codec instances `@Codec` named on `cls` or its methods, for boot to bind. */
export function declaredCodecs(cls: object): readonly BodyCodec[] {
  return declared.get(cls) ?? [];
}

function instanceOf(cls: CodecClass): BodyCodec {
  let codec = instances.get(cls);
  if (codec === undefined) {
    try {
      codec = new cls();
    } catch {
      throw new BastionError('BST_ERR_DECORATOR_INVALID_TARGET', `@Codec: ${cls.name} cannot be built without arguments; pass an instance`);
    }
    instances.set(cls, codec);
  }
  return codec;
}
