// Redis's dataset digest (DEBUG DIGEST): SHA1 based, where `add` xors an element's SHA1 into
// the digest (order does not matter) and `mix` also re-hashes the digest (order matters).

import crypto from 'node:crypto';
import type { ValueDigest } from '../types/value.js';

function sha1(data: string | Uint8Array): Buffer {
  const h = crypto.createHash('sha1');
  if (typeof data === 'string') h.update(data, 'latin1');
  else h.update(data);
  return h.digest();
}

export class Digest implements ValueDigest {
  readonly bytes = Buffer.alloc(20);

  add(data: string | Uint8Array): void {
    const h = sha1(data);
    for (let i = 0; i < 20; i++) this.bytes[i] ^= h[i];
  }

  mix(data: string | Uint8Array): void {
    this.add(data);
    sha1(this.bytes).copy(this.bytes);
  }

  addPair(a: string | Uint8Array, b: string | Uint8Array): void {
    const e = new Digest();
    e.mix(a);
    e.mix(b);
    this.add(e.bytes);
  }

  /** A 32-bit big-endian integer, mixed (type codes, database numbers). */
  mixUint32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n >>> 0);
    this.mix(b);
  }

  hex(): string {
    return this.bytes.toString('hex');
  }
}
