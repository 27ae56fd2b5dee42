import 'reflect-metadata';
import { injectable, multiInject } from 'inversify';
import { TOKENS } from '../container/tokens.js';
import { BastionError } from '../errors/bastion-error.js';
import type { Codec, CodecLookup } from './codec.js';
import { unsupportedContentType } from './codec-errors.js';

/** The content type a call uses when it names none. */
export const DEFAULT_CONTENT_TYPE = 'application/json';

/**
 * CodecRegistry finds the codec for a content type among the codecs bound to
 * `TOKENS.Codecs`. Lookups ignore case and media-type parameters (`; charset=utf-8`).
 */
@injectable()
export class CodecRegistry implements CodecLookup {
  private readonly byContentType = new Map<string, Codec>();

  constructor(@multiInject(TOKENS.Codecs) codecs: Codec[]) {
    for (const codec of codecs) {
      const key = mediaType(codec.contentType);
      if (this.byContentType.has(key)) {
        throw new BastionError('BST_ERR_BOOT_INVALID_CONFIG', `Two codecs are bound for the content type '${key}'`);
      }
      this.byContentType.set(key, codec);
    }
  }

  /** The codec for `contentType`; throws a `415` BastionError when none is bound. */
  get(contentType: string): Codec {
    const codec = this.find(contentType);
    if (codec === undefined) throw unsupportedContentType();
    return codec;
  }

  /** True when a codec is bound for `contentType`. */
  has(contentType: string): boolean {
    return this.find(contentType) !== undefined;
  }

  /** The content types bound, for boot checks and `bastion audit`. */
  contentTypes(): readonly string[] {
    return [...this.byContentType.keys()];
  }

  private find(contentType: string): Codec | undefined {
    return this.byContentType.get(contentType) ?? this.byContentType.get(mediaType(contentType));
  }
}

function mediaType(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}
