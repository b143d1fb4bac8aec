// Connects each value type to the RDB serialization (see the contract in rdb/types.ts).

import { registerValueType } from './rdb/types.js';
import { hashCodec, listCodec, setCodec, zsetCodec } from '../types/codecs.js';

let registered = false;

export function registerValueTypes(): void {
  if (registered) return;
  registered = true;
  registerValueType('list', listCodec);
  registerValueType('set', setCodec);
  registerValueType('hash', hashCodec);
  registerValueType('zset', zsetCodec);
}
