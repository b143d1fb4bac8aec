// Minimal value classes for lists, sets, sorted sets, hashes and streams, registered with the
// persistence codec registry so that the RDB/DUMP codecs of every type can be tested (against
// real Redis) before the real type implementations are wired in. They mimic Redis 7.0's
// encoding choices so that the RDB types written match what Redis would write.

import { RObject } from '../../src/types/value.js';
import { registerValueType, type StreamData } from '../../src/persistence/rdb/types.js';
import { parseInt64 } from '../../src/util/numbers.js';

export class TList extends RObject {
  readonly type = 'list';
  constructor(public items: string[]) {
    super();
  }
  encoding(): string {
    return 'quicklist';
  }
  copy(): TList {
    return new TList([...this.items]);
  }
}

export class TSet extends RObject {
  readonly type = 'set';
  constructor(public members: string[], public enc: 'intset' | 'hashtable') {
    super();
  }
  encoding(): string {
    return this.enc;
  }
  copy(): TSet {
    return new TSet([...this.members], this.enc);
  }
}

export class TZset extends RObject {
  readonly type = 'zset';
  constructor(public entries: [string, number][], public enc: 'listpack' | 'skiplist') {
    super();
  }
  encoding(): string {
    return this.enc;
  }
  copy(): TZset {
    return new TZset([...this.entries], this.enc);
  }
}

export class THash extends RObject {
  readonly type = 'hash';
  constructor(public entries: [string, string][], public enc: 'listpack' | 'hashtable') {
    super();
  }
  encoding(): string {
    return this.enc;
  }
  copy(): THash {
    return new THash([...this.entries], this.enc);
  }
}

export class TStream extends RObject {
  readonly type = 'stream';
  constructor(public data: StreamData) {
    super();
  }
  encoding(): string {
    return 'stream';
  }
  copy(): TStream {
    return new TStream(structuredClone(this.data));
  }
}

let registered = false;

/** Registers the test classes (once per process). */
export function registerGenericTypes(): void {
  if (registered) return;
  registered = true;
  registerValueType('list', {
    items: (v) => (v as TList).items,
    length: (v) => (v as TList).items.length,
    build: (items) => new TList(items),
  });
  registerValueType('set', {
    members: (v) => (v as TSet).members,
    size: (v) => (v as TSet).members.length,
    build: (members, from, config) => {
      const ints = members.every((m) => parseInt64(m) !== undefined);
      const enc = (from === 'intset' || ints) && ints && members.length <= (config['set-max-intset-entries'] as number) ? 'intset' : 'hashtable';
      return new TSet(members, enc);
    },
  });
  registerValueType('zset', {
    entries: (v) => (v as TZset).entries,
    size: (v) => (v as TZset).entries.length,
    build: (entries, _from, config) => {
      const small = entries.length <= (config['zset-max-listpack-entries'] as number) && entries.every(([m]) => m.length <= (config['zset-max-listpack-value'] as number));
      return new TZset(entries, small ? 'listpack' : 'skiplist');
    },
  });
  registerValueType('hash', {
    entries: (v) => (v as THash).entries,
    size: (v) => (v as THash).entries.length,
    build: (entries, _from, config) => {
      const max = config['hash-max-listpack-value'] as number;
      const small = entries.length <= (config['hash-max-listpack-entries'] as number) && entries.every(([f, v]) => f.length <= max && v.length <= max);
      return new THash(entries, small ? 'listpack' : 'hashtable');
    },
  });
  registerValueType('stream', {
    toData: (v) => (v as TStream).data,
    build: (data) => new TStream(data),
  });
}
