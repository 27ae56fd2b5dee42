// A service whose endpoint speaks the CSV-line codec, selected with @Codec(instance).
import { IsNumberString, IsString, Length } from 'class-validator';
import { Codec, Handler, Service } from '../../src/index.js';
import { csvLineCodec } from './csv-line.codec.js';

/** The request: every CSV value is a string, so numbers are checked as number strings. */
export class OrderLine {
  @IsString() @Length(1, 32) sku!: string;
  @IsNumberString({ no_symbols: true }) quantity!: string;
}

@Codec(csvLineCodec)
@Service({ name: 'orders' })
export class Orders {
  @Handler()
  add(line: OrderLine): { sku: string; quantity: number; accepted: boolean } {
    return { sku: line.sku, quantity: Number(line.quantity), accepted: true };
  }
}
