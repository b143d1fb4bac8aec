// MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE / HELP. Sizes are estimates of what
// Redis would use for the same data (its object headers and allocator size classes; types
// report their own through RObject.memoryUsage), so that tools reading them see Redis-like
// figures; the process totals come from V8 and the OS.

import v8 from 'node:v8';
import type { Family } from './command.js';
import { DoubleReply, err, Errors, MapReply, OK, VerbatimReply, type Reply } from '../resp/reply.js';
import { parseInt64 } from '../util/numbers.js';
import { helpReply } from './help.js';
import { keyOverhead, valueSize } from '../types/sizes.js';
import { memoryOverhead } from './info.js';

export const memoryFamily: Family = {
  memory: {
    subcommands: {
      usage: {
        run: (c, argv): Reply => {
          let samples = 5;
          for (let j = 3; j < argv.length; j++) {
            if (argv[j].toLowerCase() === 'samples' && j + 1 < argv.length) {
              const v = parseInt64(argv[j + 1]);
              if (v === undefined) err(Errors.notInteger);
              if (v < 0) err(Errors.syntax);
              samples = v === 0 ? 0 : Number(v);
              j++;
            } else {
              err(Errors.syntax);
            }
          }
          // Like Redis, a key past its expiry time still counts until it is removed.
          const value = c.db.keys.get(argv[2]);
          if (value === undefined) return null;
          return valueSize(value, samples) + keyOverhead(argv[2]);
        },
      },
      stats: {
        run: (c) => {
          const mh = memoryOverhead(c.server);
          const allocated = mh.used;
          const active = mh.heapTotal + mh.external;
          const resident = mh.rss;
          const out: Reply[] = [
            'peak.allocated', mh.peak,
            'total.allocated', mh.used,
            'startup.allocated', mh.startup,
            'replication.backlog', mh.replBacklog,
            'clients.slaves', mh.clientsReplicas,
            'clients.normal', mh.clientsNormal,
            'cluster.links', 0,
            'aof.buffer', mh.aofBuffer,
            'lua.caches', 0,
            'functions.caches', 0,
          ];
          for (const db of mh.dbs) {
            out.push(`db.${db.id}`, new MapReply([
              'overhead.hashtable.main', db.main,
              'overhead.hashtable.expires', db.expires,
              'overhead.hashtable.slot-to-keys', 0,
            ]));
          }
          out.push(
            'overhead.total', mh.overheadTotal,
            'keys.count', mh.totalKeys,
            'keys.bytes-per-key', mh.bytesPerKey,
            'dataset.bytes', mh.dataset,
            'dataset.percentage', new DoubleReply(mh.datasetPerc),
            'peak.percentage', new DoubleReply(mh.peakPerc),
            'allocator.allocated', allocated,
            'allocator.active', active,
            'allocator.resident', resident,
            'allocator-fragmentation.ratio', new DoubleReply(Math.fround(active / allocated)),
            'allocator-fragmentation.bytes', active - allocated,
            'allocator-rss.ratio', new DoubleReply(Math.fround(resident / active)),
            'allocator-rss.bytes', resident - active,
            'rss-overhead.ratio', new DoubleReply(1),
            'rss-overhead.bytes', 0,
            'fragmentation', new DoubleReply(Math.fround(mh.rss / mh.used)),
            'fragmentation.bytes', mh.rss - mh.used,
          );
          return new MapReply(out);
        },
      },
      doctor: {
        run: (c) => {
          const mh = memoryOverhead(c.server);
          if (mh.used < 5 * 1024 * 1024) {
            return new VerbatimReply('Memory use is small (under 5MB): there is nothing worth reporting yet.\n');
          }
          const notes: string[] = [];
          if (mh.peak > mh.used * 1.5) {
            notes.push(`* Peak memory: at some point the server used ${mh.peak} bytes, more than 150% of the ${mh.used} bytes it uses now. Memory the JavaScript heap grew into is returned to the system only gradually.`);
          }
          const frag = mh.rss / mh.used;
          if (frag > 1.4) notes.push(`* High overhead: the process holds ${mh.rss} bytes for ${mh.used} bytes in use (ratio ${frag.toFixed(2)}).`);
          if (mh.clientsNormal / Math.max(1, c.server.clients.size) > 200 * 1024) {
            notes.push('* Big client buffers: clients hold on average more than 200KB of input or output buffers.');
          }
          if (notes.length === 0) return new VerbatimReply('No memory problem detected.\n');
          return new VerbatimReply(`Memory report:\n\n${notes.join('\n\n')}\n`);
        },
      },
      'malloc-stats': {
        run: () => {
          const h = v8.getHeapStatistics();
          let text = 'JavaScript heap (V8):\n';
          for (const [k, v] of Object.entries(h)) text += `  ${k}: ${v}\n`;
          text += 'Heap spaces:\n';
          for (const s of v8.getHeapSpaceStatistics()) {
            text += `  ${s.space_name}: size=${s.space_size} used=${s.space_used_size} available=${s.space_available_size}\n`;
          }
          return new VerbatimReply(text);
        },
      },
      purge: {
        run: () => {
          // No allocator to purge; a full collection is the nearest equivalent when exposed.
          const gc = (globalThis as { gc?: () => void }).gc;
          if (gc) gc();
          return OK;
        },
      },
      help: {
        run: () =>
          helpReply('memory', [
            'DOCTOR',
            '    Return a report of memory problems.',
            'MALLOC-STATS',
            "    Return the memory allocator's internal statistics.",
            'PURGE',
            '    Ask the allocator to give memory back to the system.',
            'STATS',
            "    Return details about the server's memory usage.",
            'USAGE <key> [SAMPLES <count>]',
            '    Return the bytes used by <key> and its value. Nested values are sampled',
            '    up to <count> times (default: 5, 0: all of them).',
          ]),
      },
    },
  },
};
