// A minimal stream value class, registered with the persistence codec registry so that the
// stream RDB/DUMP codec can be tested against real Redis while Larder has no stream type.
// (Lists, sets, hashes and sorted sets are tested with the real types.)

import { RObject } from '../../src/types/value.js';
import { canLoad, registerValueType, type StreamData } from '../../src/persistence/rdb/types.js';

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

/** Registers the stream stand-in (once per process, and only while no real stream type is). */
export function registerStreamStandIn(): void {
  if (canLoad('stream')) return;
  registerValueType('stream', {
    toData: (v) => (v as TStream).data,
    build: (data) => new TStream(data),
  });
}
