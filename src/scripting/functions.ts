// Function libraries (FUNCTION LOAD, FCALL): the libraries loaded, the functions they
// registered, and their persistence (RDB FUNCTION2 records, AOF rewrite, FUNCTION DUMP and
// RESTORE payloads). The Lua side runs in its own engine (a second Lua state, as in Redis).

import type { Server } from '../server/server.js';
import { splitArgs } from '../resp/split-args.js';
import { ScriptEngine, validName, type LuaFunction } from './engine.js';
import { rdbHooks } from '../persistence/rdb/file.js';

/** FUNCTION LOAD's time limit for running a library's code (Redis's LOAD_TIMEOUT_MS). */
const LOAD_TIMEOUT_MS = 500;

export interface Library {
  name: string;
  /** The whole code, shebang line included (what FUNCTION LIST WITHCODE and DUMP give). */
  code: string;
  functions: Map<string, LuaFunction>;
}

/** A function with the library it belongs to. */
export interface RegisteredFunction extends LuaFunction {
  library: Library;
}

export class Functions {
  readonly engine: ScriptEngine;
  readonly libraries = new Map<string, Library>();
  readonly functions = new Map<string, RegisteredFunction>();

  constructor(readonly server: Server) {
    this.engine = new ScriptEngine(server, 'function');
    rdbHooks.functions = {
      dump: () => [...this.libraries.values()].map((l) => l.code),
      load: (code, replace) => {
        const r = this.create(code, replace, 0);
        return typeof r === 'string' ? r : undefined;
      },
      clear: () => this.flush(),
    };
  }

  /** Reads a library's metadata (its shebang line): the library (no functions yet), or the error text. */
  private compile(code: string): Library | string {
    if (!code.startsWith('#!')) return 'Missing library metadata';
    const end = code.indexOf('\n');
    if (end < 0) return 'Invalid library metadata';
    const parts = splitArgs(code.slice(0, end));
    if (parts === null || parts.length === 0) return 'Invalid library metadata';
    const engine = parts[0].slice(2);
    let name: string | null = null;
    for (let i = 1; i < parts.length; i++) {
      const p = parts[i];
      if (p.slice(0, 5).toLowerCase() === 'name=') {
        if (name !== null) return 'Invalid metadata value, name argument was given multiple times';
        name = p.slice(5);
        continue;
      }
      return `Invalid metadata value given: ${p}`;
    }
    if (name === null) return 'Library name was not given';
    if (!validName(name)) return 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';
    if (engine.toLowerCase() !== 'lua') return `Engine '${engine}' not found`;
    return { name, code, functions: new Map() };
  }

  /** FUNCTION LOAD: the library name, or the error text (without error code). */
  create(code: string, replace: boolean, timeoutMs = LOAD_TIMEOUT_MS): string | { name: string } {
    const lib = this.compile(code);
    if (typeof lib === 'string') return lib;
    const old = this.libraries.get(lib.name);
    if (old !== undefined && !replace) return `Library '${lib.name}' already exists`;
    const loaded = this.engine.loadLibrary(code.slice(code.indexOf('\n')), timeoutMs);
    if (typeof loaded === 'string') return loaded;
    lib.functions = loaded;
    for (const fname of loaded.keys()) {
      const existing = this.functions.get(fname);
      if (existing !== undefined && existing.library !== old) {
        this.engine.freeFunctions(loaded);
        return `Function ${fname} already exists`;
      }
    }
    if (old !== undefined) this.unlink(old, true);
    this.link(lib);
    return { name: lib.name };
  }

  private link(lib: Library): void {
    this.libraries.set(lib.name, lib);
    for (const f of lib.functions.values()) this.functions.set(f.name, { ...f, library: lib });
  }

  private unlink(lib: Library, free: boolean): void {
    this.libraries.delete(lib.name);
    for (const name of lib.functions.keys()) this.functions.delete(name);
    if (free) this.engine.freeFunctions(lib.functions);
  }

  /** FUNCTION DELETE. */
  delete(name: string): boolean {
    const lib = this.libraries.get(name);
    if (lib === undefined) return false;
    this.unlink(lib, true);
    return true;
  }

  /** FUNCTION FLUSH (and DEBUG RELOAD). */
  flush(): void {
    for (const lib of [...this.libraries.values()]) this.unlink(lib, true);
  }

  /**
   * FUNCTION RESTORE: loads every library of `codes` (all or nothing). `policy` FLUSH replaces
   * all libraries, APPEND fails on a name collision, REPLACE replaces colliding libraries.
   * Returns the error text, or undefined.
   */
  restore(codes: string[], policy: 'flush' | 'append' | 'replace'): string | undefined {
    // Compile into a separate set first.
    const fresh: Library[] = [];
    const freshNames = new Set<string>();
    const freshFunctions = new Set<string>();
    const discard = () => {
      for (const l of fresh) this.engine.freeFunctions(l.functions);
    };
    for (const code of codes) {
      const lib = this.compile(code);
      if (typeof lib === 'string') {
        discard();
        return lib;
      }
      if (freshNames.has(lib.name)) {
        discard();
        return `Library '${lib.name}' already exists`;
      }
      const loaded = this.engine.loadLibrary(code.slice(code.indexOf('\n')), 0);
      if (typeof loaded === 'string') {
        discard();
        return loaded;
      }
      lib.functions = loaded;
      fresh.push(lib);
      for (const f of loaded.keys()) {
        if (freshFunctions.has(f)) {
          discard();
          return `Function ${f} already exists`;
        }
        freshFunctions.add(f);
      }
      freshNames.add(lib.name);
    }
    if (policy === 'flush') {
      this.flush();
    } else {
      const replaced = new Set<Library>();
      for (const lib of fresh) {
        const old = this.libraries.get(lib.name);
        if (old === undefined) continue;
        if (policy === 'append') {
          discard();
          return `Library ${lib.name} already exists`;
        }
        replaced.add(old);
      }
      for (const f of freshFunctions) {
        const existing = this.functions.get(f);
        if (existing !== undefined && !replaced.has(existing.library)) {
          discard();
          return `Function ${f} already exists`;
        }
      }
      for (const old of replaced) this.unlink(old, true);
    }
    for (const lib of fresh) this.link(lib);
    return undefined;
  }

  /** Memory the libraries' code and names take (INFO used_memory_functions, approximately). */
  memory(): number {
    let n = 0;
    for (const lib of this.libraries.values()) n += 64 + lib.name.length + lib.code.length + lib.functions.size * 96;
    return n;
  }
}

export function functionsOf(server: Server): Functions {
  return server.state('functions', () => new Functions(server));
}
