/**
 * protobufjs is loaded the first time a ProtobufCodec is built, not when `bastion` is
 * imported: an application without protobuf endpoints never needs its parser and
 * reflection (several MiB of RSS).
 */
import type * as Protobuf from 'protobufjs';
import { lazyPackage } from '../lazy/lazy.js';

/** The protobufjs module, loaded on first call. */
export const protobufPackage = lazyPackage<typeof Protobuf>('protobufjs');
