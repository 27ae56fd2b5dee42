// A complete custom codec: `text/csv` bodies of exactly one header line and one record,
// e.g. "name,times\nada,3". Every value is a string; the DTO says what each must look like.
import { isUtf8 } from 'node:buffer';
import { BastionError, defineCodec, type CodecLimits } from '../../src/index.js';

const NEWLINE = 0x0a;
const COMMA = 0x2c;
const QUOTE = 0x22;
const CARRIAGE_RETURN = 0x0d;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function refused(detail: string): BastionError {
  return new BastionError('BST_ERR_CODEC_DECODE', detail);
}

/** Raw check: UTF-8, at most two lines, no quoting, no more fields than `maxKeys`. One pass, nothing parsed. */
function checkRaw(bytes: Uint8Array, limits: CodecLimits): void {
  if (!isUtf8(bytes)) throw refused('The CSV body is not valid UTF-8');
  let newlines = 0;
  let commas = 0;
  for (const byte of bytes) {
    if (byte === NEWLINE && ++newlines > 1) throw refused('A CSV body holds one header line and one record');
    if (byte === COMMA && ++commas > 2 * limits.maxKeys) throw new BastionError('BST_ERR_CODEC_TOO_LARGE', `A CSV line has more than ${limits.maxKeys} fields`);
    if (byte === QUOTE || byte === CARRIAGE_RETURN) throw refused('This CSV codec accepts no quotes and no carriage returns');
  }
  if (newlines !== 1) throw refused('A CSV body holds one header line and one record');
}

/** Parse: header names become keys. `Object.fromEntries` makes every key an own property, so `__proto__` is seen (and refused) by the shared key filter. */
function parse(bytes: Uint8Array): Record<string, string> {
  const [header = '', record = ''] = UTF8.decode(bytes).split('\n');
  const names = header.split(',');
  const values = record.split(',');
  if (names.length !== values.length) throw refused('The CSV record does not have one value per header');
  if (new Set(names).size !== names.length) throw refused('The CSV header names a column twice');
  return Object.fromEntries(names.map((name, i) => [name, values[i] as string]));
}

/** Sanitise: one flat object of strings, numbers and booleans, nothing a CSV line cannot carry. */
function sanitize(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('A CSV reply must be one flat object');
  const out: Record<string, string> = {};
  for (const [key, field] of Object.entries(value)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype' || field === undefined) continue;
    if (!['string', 'number', 'boolean'].includes(typeof field)) throw new TypeError(`CSV field ${key} is not a scalar`);
    const text = String(field);
    if (/[,"\r\n]/.test(text) || /[,"\r\n]/.test(key)) throw new TypeError(`CSV field ${key} holds a separator`);
    out[key] = text;
  }
  return out;
}

function serialize(value: unknown): Uint8Array {
  const record = value as Record<string, string>;
  return Buffer.from(`${Object.keys(record).join(',')}\n${Object.values(record).join(',')}`, 'utf8');
}

/** The codec: `defineCodec` adds the size limit before `checkRaw` and the key filter after `parse`. */
export const csvLineCodec = defineCodec({ name: 'csv-line', contentType: 'text/csv', checkRaw, parse, sanitize, serialize });
