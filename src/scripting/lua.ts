// The Lua 5.1 virtual machine (the wasmoon-lua5.1 package: the reference Lua 5.1 C sources
// compiled to WebAssembly) and a thin, binary-safe layer over its C API. Only the raw exported
// C functions are used (no JS/Lua object bridging): strings cross as bytes (latin1 JS strings
// on our side, one char per byte), numbers as doubles, and JS functions become Lua C functions
// through the module's function table. A Lua error raised from JS (`error`) unwinds the Lua
// stack the way C's longjmp would, so nothing after it runs.
//
// Loading the WebAssembly module is asynchronous: `loadLua()` must have completed (main.ts
// awaits it before listening) before a state can be created; everything else is synchronous.

import { createRequire } from 'node:module';

/** The Emscripten module's exports we use (raw C functions take and return numbers). */
interface Em {
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  _malloc(n: number): number;
  _free(p: number): void;
  addFunction(fn: (...args: number[]) => number | void, sig: string): number;
  [name: string]: any;
}

export const LUA_REGISTRYINDEX = -10000;
export const LUA_GLOBALSINDEX = -10002;
export const LUA_MULTRET = -1;
export const enum LuaType {
  None = -1, Nil = 0, Boolean = 1, LightUserdata = 2, Number = 3, String = 4, Table = 5, Function = 6, Userdata = 7, Thread = 8,
}
export const LUA_MASKCOUNT = 8;
export const LUA_MASKLINE = 4;
const LUA_GCCOUNT = 3;
const LUA_GCCOUNTB = 4;
const LUA_GCSTEP = 5;

let em: Em | null = null;
let loading: Promise<void> | null = null;

/** Loads the WebAssembly Lua VM once (idempotent). */
export function loadLua(): Promise<void> {
  if (em !== null) return Promise.resolve();
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    const { LuaApi } = require('wasmoon-lua5.1') as { LuaApi: { initialize(): Promise<{ module: Em }> } };
    const api = await LuaApi.initialize();
    em = api.module;
  })();
  return loading;
}

export function luaLoaded(): boolean {
  return em !== null;
}

/** A Lua C function implemented in JS: receives the state, returns the number of results. */
export type LuaCFunction = (L: number) => number;

/** One lua_State with helpers. Created synchronously once `loadLua()` resolved. */
export class LuaState {
  readonly m: Em;
  readonly L: number;
  private scratch = 0;
  private scratchSize = 0;
  private heap: Buffer;
  private readonly lenPtr: number;
  private readonly cstrings = new Map<string, number>();
  private readonly functions: number[] = [];
  private closed = false;

  constructor() {
    if (em === null) throw new Error('Lua VM not loaded');
    this.m = em;
    this.L = this.m._luaL_newstate();
    this.heap = Buffer.from(this.m.HEAPU8.buffer);
    this.lenPtr = this.m._malloc(8);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.m._lua_close(this.L);
    this.m._free(this.lenPtr);
    if (this.scratch !== 0) this.m._free(this.scratch);
    for (const p of this.cstrings.values()) this.m._free(p);
    for (const f of this.functions) this.m.removeFunction(f);
  }

  /** The wasm heap as a Buffer (recreated after the memory grew). */
  private mem(): Buffer {
    const b = this.m.HEAPU8.buffer;
    if (this.heap.buffer !== b) this.heap = Buffer.from(b);
    return this.heap;
  }

  /** A NUL-terminated copy of a constant name, kept for the state's life. */
  cstr(s: string): number {
    let p = this.cstrings.get(s);
    if (p === undefined) {
      p = this.m._malloc(s.length + 1);
      const h = this.mem();
      h.latin1Write(s, p);
      h[p + s.length] = 0;
      this.cstrings.set(s, p);
    }
    return p;
  }

  /** Copies a latin1 string into a scratch buffer; returns its address. */
  private toScratch(s: string): number {
    const n = s.length;
    this.reserve(n + 1);
    if (n !== 0) this.mem().latin1Write(s, this.scratch);
    return this.scratch;
  }

  private reserve(size: number): void {
    if (size <= this.scratchSize) return;
    if (this.scratch !== 0) this.m._free(this.scratch);
    this.scratchSize = Math.max(size, 256, this.scratchSize * 2);
    this.scratch = this.m._malloc(this.scratchSize);
  }

  /** Registers a JS function as a Lua C function (kept until close). */
  cfunction(fn: LuaCFunction): number {
    const p = this.m.addFunction((L: number) => {
      try {
        return fn(L);
      } catch (e) {
        return this.rethrow(e);
      }
    }, 'ii');
    this.functions.push(p);
    return p;
  }

  hookFunction(fn: (L: number, ar: number) => void): number {
    const p = this.m.addFunction((L: number, ar: number) => {
      try {
        fn(L, ar);
      } catch (e) {
        this.rethrow(e);
      }
    }, 'vii');
    this.functions.push(p);
    return p;
  }

  /**
   * An exception leaving a JS function called by Lua: a Lua error (the VM's longjmp, thrown as a
   * number) goes on; anything else (a bug) becomes a Lua error, so that it never unwinds the VM's
   * C frames behind its back.
   */
  private rethrow(e: unknown): never {
    if (typeof e === 'number') throw e;
    return this.errorString(`internal error: ${(e as Error)?.message ?? String(e)}`);
  }

  // ---- stack ----
  top(): number { return this.m._lua_gettop(this.L); }
  settop(i: number): void { this.m._lua_settop(this.L, i); }
  pop(n: number): void { this.m._lua_settop(this.L, -n - 1); }
  type(i: number): LuaType { return this.m._lua_type(this.L, i); }
  pushvalue(i: number): void { this.m._lua_pushvalue(this.L, i); }
  remove(i: number): void { this.m._lua_remove(this.L, i); }
  insert(i: number): void { this.m._lua_insert(this.L, i); }
  checkstack(n: number): boolean { return this.m._lua_checkstack(this.L, n) !== 0; }

  pushnil(): void { this.m._lua_pushnil(this.L); }
  pushnumber(n: number): void { this.m._lua_pushnumber(this.L, n); }
  pushboolean(b: boolean): void { this.m._lua_pushboolean(this.L, b ? 1 : 0); }
  pushstring(s: string): void { this.m._lua_pushlstring(this.L, this.toScratch(s), s.length); }
  pushbytes(b: Uint8Array): void {
    const n = b.byteLength;
    this.reserve(n + 1);
    this.m.HEAPU8.set(b, this.scratch);
    this.m._lua_pushlstring(this.L, this.scratch, n);
  }
  pushcfunction(fnPtr: number): void { this.m._lua_pushcclosure(this.L, fnPtr, 0); }
  newtable(narr = 0, nrec = 0): void { this.m._lua_createtable(this.L, narr, nrec); }

  tonumber(i: number): number { return this.m._lua_tonumber(this.L, i); }
  toboolean(i: number): boolean { return this.m._lua_toboolean(this.L, i) !== 0; }
  isstring(i: number): boolean { return this.m._lua_isstring(this.L, i) !== 0; }
  isnumber(i: number): boolean { return this.m._lua_isnumber(this.L, i) !== 0; }
  /** lua_tolstring: the value as a latin1 string (numbers are converted in place), or null. */
  tostring(i: number): string | null {
    const p = this.m._lua_tolstring(this.L, i, this.lenPtr);
    if (p === 0) return null;
    const n = this.m.HEAPU32[this.lenPtr >> 2];
    return this.mem().latin1Slice(p, p + n);
  }

  getfield(i: number, k: string): void { this.m._lua_getfield(this.L, i, this.cstr(k)); }
  setfield(i: number, k: string): void { this.m._lua_setfield(this.L, i, this.cstr(k)); }
  getglobal(k: string): void { this.getfield(LUA_GLOBALSINDEX, k); }
  setglobal(k: string): void { this.setfield(LUA_GLOBALSINDEX, k); }
  rawget(i: number): void { this.m._lua_rawget(this.L, i); }
  rawset(i: number): void { this.m._lua_rawset(this.L, i); }
  rawgeti(i: number, n: number): void { this.m._lua_rawgeti(this.L, i, n); }
  rawseti(i: number, n: number): void { this.m._lua_rawseti(this.L, i, n); }
  settable(i: number): void { this.m._lua_settable(this.L, i); }
  next(i: number): boolean { return this.m._lua_next(this.L, i) !== 0; }
  setmetatable(i: number): void { this.m._lua_setmetatable(this.L, i); }

  /** Raw field lookup by string key on the table at i (absolute index expected). */
  rawgetfield(i: number, k: string): void {
    this.pushstring(k);
    this.rawget(i < 0 && i > LUA_REGISTRYINDEX ? i - 1 : i);
  }

  ref(): number { return this.m._luaL_ref(this.L, LUA_REGISTRYINDEX); }
  unref(r: number): void { this.m._luaL_unref(this.L, LUA_REGISTRYINDEX, r); }
  getref(r: number): void { this.rawgeti(LUA_REGISTRYINDEX, r); }

  /** luaL_loadbuffer: 0 on success (function pushed), else the error message is pushed. */
  load(code: string, chunkname: string): number {
    const p = this.m._malloc(code.length + 1);
    try {
      this.mem().latin1Write(code, p);
      return this.m._luaL_loadbuffer(this.L, p, code.length, this.cstr(chunkname));
    } finally {
      this.m._free(p);
    }
  }

  pcall(nargs: number, nresults: number, errfunc: number): number {
    return this.m._lua_pcall(this.L, nargs, nresults, errfunc);
  }

  /** Raises the value on top of the stack as a Lua error (does not return). */
  error(): never {
    this.m._lua_error(this.L);
    throw new Error('unreachable: lua_error returned');
  }

  /** Raises a string error (no position information, as from a C function). */
  errorString(message: string): never {
    this.pushstring(message);
    return this.error();
  }

  /** luaL_error: a string error prefixed with the position of the calling Lua code. */
  errorWhere(message: string): never {
    this.m._luaL_where(this.L, 1);
    this.pushstring(message);
    this.m._lua_concat(this.L, 2);
    return this.error();
  }

  sethook(fn: number, mask: number, count: number): void { this.m._lua_sethook(this.L, fn, mask, count); }
  clearhook(): void { this.m._lua_sethook(this.L, 0, 0, 0); }

  /** Memory in use by the state, in bytes (LUA_GCCOUNT / LUA_GCCOUNTB). */
  memory(): number {
    return this.m._lua_gc(this.L, LUA_GCCOUNT, 0) * 1024 + this.m._lua_gc(this.L, LUA_GCCOUNTB, 0);
  }

  gcStep(n: number): void { this.m._lua_gc(this.L, LUA_GCSTEP, n); }

  openlibs(): void {
    this.m._luaL_openlibs(this.L);
  }
}
