// Point-in-time snapshots of the whole keyspace without fork(): the walk that BGSAVE and
// BGREWRITEAOF (and, run to completion at once, SAVE) use to write every key.
//
// HOW A FORKLESS SNAPSHOT STAYS CONSISTENT
// At the start, the snapshot takes hold of each database's key table and expiry table (the
// objects themselves). It then walks each key table in hash order, a slice at a time between
// event-loop turns (setImmediate), so clients keep being served. Position = the hash the walk
// has reached: a key whose hash is below it has been written. Before anything changes a key
// the walk has not reached yet, a guard writes that key's current (old) value first and
// remembers it in `early`, so the walk skips it later; a key that does not exist yet is
// remembered too (it must not appear in the snapshot). The guards run:
//   - before every write command, for each of its keys (server.beforeWriteHooks, called from
//     `call` with argv; MOVE and COPY also guard the key name in every database);
//   - before a key is deleted by expiry (server.expireKey) and before blocked clients are served
//     (both through server.keyGuards), and before eviction deletes a key (the eviction code
//     must call server.guardKey(db, key) first).
// When the keys a write command touches can't be determined, the snapshot is completed at
// once, synchronously, before the command runs.
// FLUSHALL, FLUSHDB and SWAPDB need no guard: Database.clear() swaps in NEW tables and swapWith
// exchanges table objects, so the tables the snapshot holds are never modified by them — the
// walk continues over the old contents, which is exactly the state at the start. Guards find a
// database's state by table identity, so after a SWAPDB a write is checked against the table it
// really touches, and after a flush writes to the new empty tables need no guard at all.
// In-place changes to values (APPEND on a MutableString, pushes to a list…) are covered because
// they happen inside write commands, after the guard has saved the old value.

import type { Server } from '../server/server.js';
import type { Database } from '../engine/database.js';
import { hashKey, type KeyspaceTable } from '../engine/keyspace-table.js';
import type { KeyTable } from '../engine/key-table.js';
import type { Value } from '../types/value.js';
import type { Client } from '../server/client.js';
import type { Command } from '../commands/command.js';

/** What a snapshot writes: RDB records, or AOF commands. */
export interface SnapshotEmitter {
  header(): void;
  /** A database's section begins (called again whenever records of another database follow). */
  selectDb(index: number, size: number, expires: number, first: boolean): void;
  key(key: string, value: Value, expireAt: number | bigint | undefined, stamp: number | undefined): void;
  trailer(): void;
}

interface DbState {
  index: number;
  keys: KeyspaceTable;
  expires: KeyTable<number | bigint>;
  size: number;
  expiresSize: number;
  /** Walk position: every key whose hash is below has been written. 2^32 when done. */
  from: number;
  /** Keys at or past `from` already written (or absent at the start): skipped by the walk. */
  early: Set<string>;
  selected: boolean;
}

const DONE = 4294967296;

/** Work per event-loop turn of a background walk (ms). */
const SLICE_MS = 3;

export class Snapshot {
  private readonly states: DbState[] = [];
  private readonly byTable = new Map<KeyspaceTable, DbState>();
  private current = -1;
  private walkDb = 0;
  finished = false;
  keysProcessed = 0;
  readonly keysTotal: number;
  private installed = false;
  private readonly needStamp: boolean;

  constructor(
    private readonly server: Server,
    private readonly emit: SnapshotEmitter,
    opts: { needStamp: boolean },
  ) {
    this.needStamp = opts.needStamp;
    let total = 0;
    for (const db of server.dbs) {
      const st: DbState = {
        index: db.id, keys: db.keys, expires: db.expires, size: db.keys.size, expiresSize: db.expires.size,
        from: db.keys.size === 0 ? DONE : 0, early: new Set(), selected: false,
      };
      total += st.size;
      this.states.push(st);
      this.byTable.set(db.keys, st);
    }
    this.keysTotal = total;
    emit.header();
  }

  /** Writes everything now (SAVE, and finishing a background snapshot early). */
  runToEnd(): void {
    while (!this.step(Infinity));
  }

  /**
   * One slice of a background walk: about SLICE_MS of work, or with `delayUs` (rdb-key-save-delay,
   * µs per key, a test knob) a few keys. Returns -1 when the snapshot is complete, else how long
   * to wait (ms) before the next slice (0: the next event-loop turn).
   */
  backgroundStep(delayUs: number): number {
    if (delayUs <= 0) return this.step(SLICE_MS) ? -1 : 0;
    const keys = Math.max(1, Math.floor(2000 / delayUs));
    return this.step(Infinity, keys) ? -1 : Math.max(1, Math.round((keys * delayUs) / 1000));
  }

  /**
   * Walks for about `budgetMs` (or `maxKeys` keys); returns true when the snapshot is complete
   * (trailer written, guards removed).
   */
  step(budgetMs: number, maxKeys = Infinity): boolean {
    if (this.finished) return true;
    const start = performance.now();
    let n = 0;
    while (this.walkDb < this.states.length) {
      const st = this.states[this.walkDb];
      if (st.from >= DONE) {
        st.early.clear();
        this.walkDb++;
        continue;
      }
      const count = budgetMs === Infinity && maxKeys === Infinity ? 1 << 30 : Math.min(256, maxKeys - n);
      const next = st.keys.scan(st.from === 0 ? 0n : BigInt(st.from + 1), Math.max(count, 1), (key, value) => {
        if (st.early.size !== 0 && st.early.has(key)) return true;
        this.write(st, key, value);
        return true;
      });
      n += count;
      st.from = next === '0' ? DONE : Number(next) - 1;
      if (n >= maxKeys || performance.now() - start >= budgetMs) return false;
    }
    this.emit.trailer();
    this.finished = true;
    this.uninstall();
    return true;
  }

  private write(st: DbState, key: string, value: Value): void {
    if (!st.selected || this.current !== st.index) {
      this.emit.selectDb(st.index, st.size, st.expiresSize, !st.selected);
      st.selected = true;
      this.current = st.index;
    }
    const expireAt = st.expiresSize === 0 ? undefined : st.expires.get(key);
    const stamp = this.needStamp ? st.keys.stampOf(key) : undefined;
    this.emit.key(key, value, expireAt, stamp);
    this.keysProcessed++;
  }

  /** Saves `key` of `db` now if the walk has not reached it (called before it changes). */
  readonly guard = (db: Database, key: string): void => {
    const st = this.byTable.get(db.keys);
    if (st === undefined || st.from >= DONE) return;
    if (hashKey(key) < st.from || st.early.has(key)) return;
    st.early.add(key);
    const value = st.keys.get(key);
    if (value !== undefined) this.write(st, key, value);
  };

  private readonly commandGuard = (c: Client, cmd: Command, argv: string[]): void => {
    const positions = cmd.keyPositions(argv);
    if (positions === null) {
      // Can't tell which keys this write touches: complete the snapshot first.
      this.runToEnd();
      return;
    }
    const server = this.server;
    const everyDb = cmd.name === 'move' || cmd.name === 'copy';
    for (let i = 0; i < positions.length; i++) {
      const key = argv[positions[i]];
      if (everyDb) for (const db of server.dbs) this.guard(db, key);
      else this.guard(c.db, key);
    }
  };

  /** Starts guarding writes (for a snapshot walked in the background). */
  install(): void {
    if (this.installed || this.finished) return;
    this.installed = true;
    this.server.beforeWriteHooks.push(this.commandGuard);
    this.server.keyGuards.push(this.guard);
  }

  /** Stops guarding (finished or aborted). */
  uninstall(): void {
    if (!this.installed) return;
    this.installed = false;
    const hooks = this.server.beforeWriteHooks;
    const i = hooks.indexOf(this.commandGuard);
    if (i >= 0) hooks.splice(i, 1);
    const guards = this.server.keyGuards;
    const j = guards.indexOf(this.guard);
    if (j >= 0) guards.splice(j, 1);
  }

  /** Abandons the snapshot (BGSAVE killed by FLUSHALL, shutdown…). */
  abort(): void {
    this.uninstall();
    this.finished = true;
    for (const st of this.states) st.early.clear();
  }
}
