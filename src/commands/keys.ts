// Generic key commands: DEL, EXISTS, TYPE, RENAME, expiry, SCAN, KEYS, OBJECT…

import { Notify } from '../config/settings.js';
import { OK, type Reply } from '../resp/reply.js';
import type { Family } from './command.js';
import { lookupRead } from './access.js';

export const keys: Family = {
  del: {
    run: (c, argv): Reply => {
      let n = 0;
      for (let i = 1; i < argv.length; i++) {
        const key = argv[i];
        if (c.db.get(key) !== undefined && c.db.delete(key)) {
          c.server.wrote(c.db, key, Notify.Generic, 'del');
          n++;
        }
      }
      return n;
    },
  },
  exists: {
    run: (c, argv): Reply => {
      let n = 0;
      // A lookup for reading (hits/misses, keymiss events) that doesn't touch the key.
      const server = c.server;
      const touching = server.touching;
      server.touching = false;
      try {
        for (let i = 1; i < argv.length; i++) if (lookupRead(c, argv[i]) !== undefined) n++;
      } finally {
        server.touching = touching;
      }
      return n;
    },
  },
  dbsize: { run: (c) => c.db.size },
  flushall: {
    run: (c): Reply => {
      for (const db of c.server.dbs) db.clear();
      c.server.dirty++;
      return OK;
    },
  },
};
