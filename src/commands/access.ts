// Key lookups for command handlers (Redis's lookupKeyRead/Write): lazy expiry, hit/miss
// statistics, keymiss notifications and type checks in one place.

import { Notify } from '../config/settings.js';
import { err, Errors } from '../resp/reply.js';
import { MutableString, type RObject, type Value } from '../types/value.js';
import type { Client } from '../server/client.js';

/** Looks a key up for reading; counts a hit or a miss. */
export function lookupRead(c: Client, key: string): Value | undefined {
  const v = c.db.get(key);
  const server = c.server;
  if (v === undefined) {
    server.stats.keyspaceMisses++;
    if (server.notifyFlags & Notify.KeyMiss) server.notify(Notify.KeyMiss, 'keymiss', key, c.db.id);
  } else {
    server.stats.keyspaceHits++;
  }
  return v;
}

/** Looks a key up for writing (no statistics). */
export function lookupWrite(c: Client, key: string): Value | undefined {
  return c.db.get(key);
}

/** A string value for reading, or undefined; WRONGTYPE for other types. */
export function readString(c: Client, key: string): string | MutableString | undefined {
  const v = lookupRead(c, key);
  if (v === undefined || typeof v === 'string' || v instanceof MutableString) return v;
  return err(Errors.wrongType);
}

/** A string value for writing, or undefined; WRONGTYPE for other types. */
export function writeString(c: Client, key: string): string | MutableString | undefined {
  const v = c.db.get(key);
  if (v === undefined || typeof v === 'string' || v instanceof MutableString) return v;
  return err(Errors.wrongType);
}

/** A value of a given object class for reading, or undefined; WRONGTYPE otherwise. */
export function readObject<T extends RObject>(c: Client, key: string, cls: abstract new (...args: any[]) => T): T | undefined {
  const v = lookupRead(c, key);
  if (v === undefined) return undefined;
  if (v instanceof cls) return v;
  return err(Errors.wrongType);
}

/** A value of a given object class for writing, or undefined; WRONGTYPE otherwise. */
export function writeObject<T extends RObject>(c: Client, key: string, cls: abstract new (...args: any[]) => T): T | undefined {
  const v = c.db.get(key);
  if (v === undefined) return undefined;
  if (v instanceof cls) return v;
  return err(Errors.wrongType);
}

/**
 * Removes names[from..] from the collection at `key` (HDEL, SREM) until it empties, then deletes
 * the key; signals the change once, with `event` (and `del` when the key went), counting each
 * removal as a change. Returns how many were removed.
 */
export function removeElements(c: Client, key: string, collection: { readonly size: number }, names: string[], from: number,
  remove: (name: string) => boolean, cls: number, event: string): number {
  const db = c.db;
  let removed = 0;
  let emptied = false;
  for (let i = from; i < names.length; i++) {
    if (!remove(names[i])) continue;
    removed++;
    if (collection.size === 0) {
      db.delete(key);
      emptied = true;
      break;
    }
  }
  if (removed === 0) return 0;
  const server = c.server;
  server.modified(db, key);
  server.notify(cls, event, key, db.id);
  if (emptied) server.notify(Notify.Generic, 'del', key, db.id);
  server.dirty += removed;
  return removed;
}
