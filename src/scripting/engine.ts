// The Lua scripting engine behind EVAL/EVALSHA and SCRIPT: one Lua state with Redis's sandbox
// (the allowed globals, read-only library tables and globals, the `redis` API, cjson and bit),
// the script cache (SHA1 -> compiled function), and the run context of the script running now.
//
// Commands a script runs go through the dispatcher's `call` with the engine's own client (no
// connection, flagged Internal and DenyBlocking), after the checks Redis applies to script
// calls (arity, noscript, read-only scripts, out of memory at script start). Their writes join
// the propagation batch of the script command, which the dispatcher sends as MULTI/EXEC.
//
// Read-only tables: Redis's patched Lua marks tables read-only; the stock Lua 5.1 VM used here
// can't, so each protected table is replaced by an empty proxy whose metatable reads through to
// the real table and refuses writes with Redis's error. rawset, setmetatable, rawget, next,
// pairs, ipairs, unpack and the table library see through the proxies (and refuse to modify
// them), so scripts observe what they would in Redis for every common use.
//
// Long-running scripts: Redis keeps serving other clients (with BUSY) while a script runs past
// busy-reply-threshold, so that SCRIPT KILL can arrive. A Node server runs the script
// synchronously: no other client is read until it ends, so a SCRIPT KILL can never arrive.
// The instruction-count hook therefore logs Redis's slow-script warning when the threshold is
// passed and then kills the script itself if it has not written anything yet (what SCRIPT KILL
// would have been allowed to do, with the same error); a script that already wrote runs to its
// end, as in Redis, where only SHUTDOWN NOSAVE could stop it.

import crypto from 'node:crypto';
import { Flag, type Command } from '../commands/command.js';
import { call, checkArity, lookupCommand } from '../engine/dispatch.js';
import { Client, ClientFlag } from '../server/client.js';
import type { Server } from '../server/server.js';
import {
  AttributeReply, BigNumberReply, BoolReply, CommandError, cstr, DoubleReply, ErrorReply, MapReply, NO_REPLY, NullArray,
  PushReply, SetReply, SimpleString, VerbatimReply, type Reply,
} from '../resp/reply.js';
import { formatDouble } from '../util/numbers.js';
import { encodeReply } from '../resp/encoder.js';
import { splitArgs } from '../resp/split-args.js';
import { debugState } from '../commands/debug.js';
import { evictor, OOM_ERROR } from '../engine/eviction.js';
import { persistence } from '../persistence/persistence.js';
import { existingReplication } from '../replication/replication.js';
import { tracking } from '../engine/tracking.js';
import { LUA_GLOBALSINDEX, LUA_MASKCOUNT, LUA_REGISTRYINDEX, LuaState, LuaType } from './lua.js';
import { installLibraries } from './libs.js';
import { REDIS_VERSION, Target } from '../server/server.js';

export const enum ScriptFlag {
  NoWrites = 1 << 0,
  AllowOom = 1 << 1,
  AllowStale = 1 << 2,
  NoCluster = 1 << 3,
  AllowCrossSlot = 1 << 4,
  /** No shebang: EVAL's backwards-compatible mode. */
  EvalCompat = 1 << 5,
}

const SHEBANG_FLAGS: Record<string, ScriptFlag> = {
  'no-writes': ScriptFlag.NoWrites,
  'allow-oom': ScriptFlag.AllowOom,
  'allow-stale': ScriptFlag.AllowStale,
  'no-cluster': ScriptFlag.NoCluster,
  'allow-cross-slot-keys': ScriptFlag.AllowCrossSlot,
};

const enum RunFlag {
  ReadOnly = 1 << 0,
  AllowOom = 1 << 1,
  WriteDirty = 1 << 2,
  TimedOut = 1 << 3,
  Killed = 1 << 4,
}

const PROPAGATE_AOF = Target.Aof;
const PROPAGATE_REPL = Target.Repl;

/** A function registered by a library (FUNCTION LOAD). */
export interface LuaFunction {
  name: string;
  /** Registry reference of the callback. */
  ref: number;
  desc: string | null;
  flags: number;
}

/** Function and library names: letters, digits and underscores, at least one. */
export function validName(name: string): boolean {
  return /^[A-Za-z0-9_]+$/.test(name);
}

export interface CachedScript {
  sha: string;
  body: string;
  flags: number;
}

const enum FrameKind { Array, MapKey, MapValue, Set }

/** An aggregate being converted (toReply). */
interface Frame {
  kind: FrameKind;
  items: Reply[];
  /** Array: the index of the element on top. */
  j: number;
}

interface RunContext {
  caller: Client;
  callerCmd: Command;
  callerArgv: string[];
  sha: string;
  flags: number;
  replFlags: number;
  start: number;
  /** The server was over maxmemory when the script started (Redis's pre_command_oom_state). */
  oom: boolean;
}

/** Parses a script's shebang line. Returns [flags, length of the shebang line] or an error text. */
export function shebangFlags(body: string): [number, number] | string {
  if (!body.startsWith('#!')) return [ScriptFlag.EvalCompat, 0];
  const end = body.indexOf('\n');
  if (end < 0) return 'Invalid script shebang';
  const parts = splitArgs(body.slice(0, end));
  if (parts === null || parts.length === 0) return 'Invalid engine in script shebang';
  if (parts[0] !== '#!lua') return `Unexpected engine in script shebang: ${parts[0]}`;
  let flags = 0;
  for (let j = 1; j < parts.length; j++) {
    const p = parts[j];
    if (!p.startsWith('flags=')) return `Unknown lua shebang option: ${p}`;
    const list = p.slice(6);
    if (list.length === 0) continue;
    for (const f of list.split(',')) {
      const bit = SHEBANG_FLAGS[f];
      if (bit === undefined) return `Unexpected flag in script shebang: ${f}`;
      flags |= bit;
    }
  }
  return [flags, end];
}

/** The command flags a script command has once its script's declared flags are known. */
export function scriptCommandFlags(cmdFlags: number, scriptFlags: number): number {
  if ((scriptFlags & ScriptFlag.EvalCompat) !== 0) return cmdFlags;
  let f = cmdFlags & ~(Flag.Stale | Flag.DenyOom | Flag.Write | Flag.MayReplicate);
  if ((scriptFlags & (ScriptFlag.AllowOom | ScriptFlag.NoWrites)) === 0) f |= Flag.DenyOom;
  if ((scriptFlags & ScriptFlag.NoWrites) === 0) f |= Flag.Write;
  if ((scriptFlags & ScriptFlag.AllowStale) !== 0) f |= Flag.Stale;
  return f;
}

export function sha1hex(s: string): string {
  return crypto.createHash('sha1').update(s, 'latin1').digest('hex');
}

/** lrand48 as Redis ships it (rand.c): the same sequence on every platform. */
class Rand48 {
  private x = 0x1234abcd330en;
  seed(v: number): void {
    const s = BigInt.asUintN(32, BigInt(v | 0));
    this.x = (s << 16n) | 0x330en;
  }
  next(): number {
    this.x = (this.x * 0x5deece66dn + 0xbn) & 0xffffffffffffn;
    return Number(this.x >> 17n);
  }
}

/** One generator for every script and function, as Redis's. */
const rand = new Rand48();

const REDIS_VERSION_NUM = (() => {
  const [a, b, c] = REDIS_VERSION.split('.').map(Number);
  return (a << 16) | (b << 8) | c;
})();

/** Redis's log levels (LL_*) and ours. */
const LOG_LEVEL_NAMES = ['debug', 'verbose', 'notice', 'warning'] as const;

// The sandbox, run once per Lua state while `debug` is still available: the pcall error
// handler (a global, as in Redis), Redis's pcall (error tables become their message), no
// binary chunks, read-only proxies for the libraries and the globals.
// (Run with the real globals table, the debug library and, for the functions engine,
// redis.register_function; returns the globals proxy, the error handler, the proxy's metatable
// and the load-time globals.)
const SANDBOX = `
local R, dbg, register = ...
local rawset, rawget, next, type, error, setmetatable, getmetatable, tostring, unpack, select =
      rawset, rawget, next, type, error, setmetatable, getmetatable, tostring, unpack, select
local pairs, ipairs, loadstring, load, pcall = pairs, ipairs, loadstring, load, pcall
local real = setmetatable({}, {__mode = 'k'})
local function ro_newindex() error('Attempt to modify a readonly table', 2) end
local function ro_error() error('Attempt to modify a readonly table', 0) end
local function protect(t, view)
  local p = {}
  real[p] = t
  local mt = {__index = t, __newindex = ro_newindex, __metatable = view or false}
  setmetatable(p, mt)
  return p, mt
end
local function see(t) return real[t] or t end

local handler = function(err)
  local i = dbg.getinfo(2, 'nSl')
  if i and i.what == 'C' then i = dbg.getinfo(3, 'nSl') end
  local level = 3
  while i and i.source == '=larder' do level = level + 1; i = dbg.getinfo(level, 'nSl') end
  if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end
if not register then R.__redis__err__handler = handler end

local function pcall_result(ok, ...)
  if ok then return ok, ... end
  local e = ...
  if type(e) == 'table' then
    local m = e.err
    if type(m) == 'string' or type(m) == 'number' then e = m end
  end
  return false, e
end
R.pcall = function(f, ...) return pcall_result(pcall(f, ...)) end

local function no_binary(s)
  if type(s) == 'string' and s:byte(1) == 27 then return nil, 'binary chunks are not allowed' end
end
R.loadstring = function(s, name)
  local bad, msg = no_binary(s)
  if msg then return bad, msg end
  return loadstring(s, name)
end
R.load = function(f, name)
  if type(f) == 'function' then
    local parts, n = {}, 0
    while true do
      local piece = f()
      if piece == nil or piece == '' then break end
      n = n + 1; parts[n] = piece
    end
    return R.loadstring(table.concat(parts), name)
  end
  return load(f, name)
end

R.rawset = function(t, k, v) if real[t] then ro_error() end return rawset(t, k, v) end
R.rawget = function(t, k) return rawget(see(t), k) end
R.next = function(t, k) return next(see(t), k) end
R.pairs = function(t) return pairs(see(t)) end
R.ipairs = function(t) return ipairs(see(t)) end
R.unpack = function(t, ...) return unpack(see(t), ...) end
R.setmetatable = function(t, mt) if real[t] then ro_error() end return setmetatable(t, mt) end

local tbl = R.table
for _, name in ipairs({'insert', 'remove', 'sort', 'setn'}) do
  local f = tbl[name]
  if f then tbl[name] = function(t, ...) if real[t] then ro_error() end return f(t, ...) end end
end
for _, name in ipairs({'concat', 'getn', 'maxn', 'foreach', 'foreachi'}) do
  local f = tbl[name]
  if f then tbl[name] = function(t, ...) return f(see(t), ...) end end
end

local missing = function(t, k)
  error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
end

for _, name in ipairs({'string', 'math', 'table', 'coroutine', 'redis', 'cjson', 'bit', 'struct', 'cmsgpack'}) do
  if rawget(R, name) ~= nil then rawset(R, name, protect(rawget(R, name))) end
end
local smt = getmetatable('')
if smt then
  smt.__index = R.string
  smt.__metatable = protect({__index = R.string})
end

setmetatable(R, {__index = missing})
local G, meta = protect(R, protect({__index = missing}))
rawset(R, '_G', G)

-- FUNCTION LOAD runs a library's code with only redis.register_function, redis.log and the
-- version fields as globals.
local libapi = false
if register then
  local r = R.redis
  local lr = {register_function = register, log = r.log, LOG_DEBUG = r.LOG_DEBUG, LOG_VERBOSE = r.LOG_VERBOSE,
              LOG_NOTICE = r.LOG_NOTICE, LOG_WARNING = r.LOG_WARNING, REDIS_VERSION = r.REDIS_VERSION,
              REDIS_VERSION_NUM = r.REDIS_VERSION_NUM}
  setmetatable(lr, {__index = missing})
  libapi = setmetatable({redis = protect(lr)}, {__index = missing})
end
return G, handler, meta, libapi
`;

/** Globals a script may see (Redis's allow lists), besides those the sandbox adds. */
const ALLOWED_GLOBALS = new Set([
  'string', 'cjson', 'bit', 'cmsgpack', 'math', 'table', 'struct', 'redis', '__redis__err__handler',
  'xpcall', 'tostring', 'setmetatable', 'next', 'assert', 'tonumber', 'rawequal', 'collectgarbage',
  'getmetatable', 'rawset', 'pcall', 'coroutine', 'type', '_G', 'select', 'unpack', 'gcinfo', 'pairs', 'rawget',
  'loadstring', 'ipairs', '_VERSION', 'load', 'error',
  // (getfenv, setfenv and newproxy are gone from Redis 7.0.15's Lua.)
]);

export class ScriptEngine {
  lua!: LuaState;
  /** SHA1 -> script. */
  readonly scripts = new Map<string, CachedScript>();
  /** Registry references of the compiled functions, by SHA1. */
  private readonly functions = new Map<string, number>();
  scriptsMemory = 0;
  /** The client scripts run commands with. */
  readonly client: Client;
  run: RunContext | null = null;
  private realGlobals = 0;
  private errHandler = 0;
  /** The metatable of the globals proxy (its __index switches to libApi while a library loads). */
  private globalsMeta = 0;
  private libApi = 0;
  /** The library being loaded by FUNCTION LOAD (redis.register_function adds to it). */
  private loading: { functions: Map<string, LuaFunction>; start: number; timeout: number } | null = null;
  private hook = 0;
  private gcCount = 0;
  /** redis.call() is running a command (recursion through hooks is refused). */
  private inCall = false;

  /** 'function': the engine of FUNCTION/FCALL (its own Lua state, as in Redis). */
  constructor(readonly server: Server, readonly mode: 'eval' | 'function' = 'eval') {
    this.client = new Client(server, 0, null);
    this.client.flags |= ClientFlag.Internal | ClientFlag.DenyBlocking | ClientFlag.Script;
    this.init();
  }

  /** Creates the Lua state with the sandbox (at start and after SCRIPT FLUSH). */
  private init(): void {
    const lua = new LuaState();
    this.lua = lua;
    lua.openlibs();
    // Register the redis table and our replacements in the real globals table.
    lua.newtable();
    const fns: Record<string, (L: number) => number> = {
      call: () => this.redisCall(true),
      pcall: () => this.redisCall(false),
      sha1hex: () => this.sha1hexFn(),
      error_reply: () => this.errorReplyFn(),
      status_reply: () => this.statusReplyFn(),
      log: () => this.logFn(),
      setresp: () => this.setRespFn(),
      set_repl: () => this.setReplFn(),
      acl_check_cmd: () => this.aclCheckFn(),
    };
    if (this.mode === 'eval') {
      // The debugger's entry points (outside the debugger) and the deprecated switch.
      fns.replicate_commands = () => {
        lua.pushboolean(true);
        return 1;
      };
      fns.breakpoint = () => {
        lua.pushboolean(false);
        return 1;
      };
      fns.debug = () => 0;
    }
    for (const [name, fn] of Object.entries(fns)) {
      lua.pushcfunction(lua.cfunction(fn));
      lua.setfield(-2, name);
    }
    const nums: Record<string, number> = {
      LOG_DEBUG: 0, LOG_VERBOSE: 1, LOG_NOTICE: 2, LOG_WARNING: 3,
      REPL_NONE: 0, REPL_AOF: PROPAGATE_AOF, REPL_SLAVE: PROPAGATE_REPL, REPL_REPLICA: PROPAGATE_REPL,
      REPL_ALL: PROPAGATE_AOF | PROPAGATE_REPL, REDIS_VERSION_NUM,
    };
    for (const [name, v] of Object.entries(nums)) {
      lua.pushnumber(v);
      lua.setfield(-2, name);
    }
    lua.pushstring(REDIS_VERSION);
    lua.setfield(-2, 'REDIS_VERSION');
    lua.setglobal('redis');
    lua.getglobal('math');
    lua.pushcfunction(lua.cfunction(() => this.randomFn()));
    lua.setfield(-2, 'random');
    lua.pushcfunction(lua.cfunction(() => this.randomSeedFn()));
    lua.setfield(-2, 'randomseed');
    lua.settop(0);
    installLibraries(lua);
    // Drop every global Redis doesn't offer (io, os, package, print, dofile, loadfile…).
    lua.getglobal('debug');
    const debugRef = lua.ref();
    lua.pushvalue(LUA_GLOBALSINDEX);
    const drop: string[] = [];
    lua.pushnil();
    while (lua.next(1)) {
      lua.pop(1);
      const k = lua.type(-1) === LuaType.String ? lua.tostring(-1)! : null;
      if (k !== null && !ALLOWED_GLOBALS.has(k)) drop.push(k);
    }
    for (const k of drop) {
      lua.pushnil();
      lua.setfield(1, k);
    }
    lua.settop(0);
    if (lua.load(SANDBOX, '=larder') !== 0) throw new Error(`Lua sandbox: ${lua.tostring(-1)}`);
    lua.pushvalue(LUA_GLOBALSINDEX);
    lua.pushvalue(-1);
    this.realGlobals = lua.ref();
    lua.getref(debugRef);
    lua.unref(debugRef);
    if (this.mode === 'function') lua.pushcfunction(lua.cfunction(() => this.registerFunctionFn()));
    else lua.pushnil();
    if (lua.pcall(3, 4, 0) !== 0) throw new Error(`Lua sandbox: ${lua.tostring(-1)}`);
    this.libApi = lua.ref();
    this.globalsMeta = lua.ref();
    this.errHandler = lua.ref();
    // The proxy becomes the globals table of everything loaded from now on.
    lua.m._lua_replace(lua.L, LUA_GLOBALSINDEX);
    lua.settop(0);
    this.hook = lua.hookFunction(() => this.countHook());
  }

  /** SCRIPT FLUSH: a new Lua state and an empty cache. */
  reset(): void {
    this.lua.close();
    this.scripts.clear();
    this.functions.clear();
    this.scriptsMemory = 0;
    this.init();
  }

  /**
   * Compiles a script into the cache (if not there yet). Returns its SHA1; throws the error
   * reply for a bad shebang or a compile error.
   */
  createFunction(body: string, sha = sha1hex(body)): string {
    if (this.functions.has(sha)) return sha;
    const flags = shebangFlags(body);
    if (typeof flags === 'string') throw new CommandError('ERR ' + flags);
    const lua = this.lua;
    // The shebang line goes, its newline stays (line numbers stay right).
    if (lua.load(flags[1] === 0 ? body : body.slice(flags[1]), '@user_script') !== 0) {
      const msg = lua.tostring(-1) ?? '';
      lua.settop(0);
      throw new CommandError(`ERR Error compiling script (new function): ${msg}`);
    }
    this.functions.set(sha, lua.ref());
    this.scripts.set(sha, { sha, body, flags: flags[0] });
    this.scriptsMemory += 40 + body.length + 64;
    return sha;
  }

  /** Runs a cached script for `caller` (EVAL/EVALSHA): the reply, or an error reply. */
  runScript(caller: Client, cmd: Command, argv: string[], sha: string, keys: string[], args: string[], ro: boolean): Reply {
    return this.execute(caller, cmd, argv, sha, this.functions.get(sha)!, this.scripts.get(sha)!.flags, keys, args, ro);
  }

  /** Runs a library function for `caller` (FCALL/FCALL_RO). */
  runFunction(caller: Client, cmd: Command, argv: string[], fn: LuaFunction, keys: string[], args: string[], ro: boolean): Reply {
    return this.execute(caller, cmd, argv, fn.name, fn.ref, fn.flags, keys, args, ro);
  }

  private execute(
    caller: Client, cmd: Command, argv: string[], sha: string, fnRef: number, sflags: number, keys: string[], args: string[], ro: boolean,
  ): Reply {
    const server = this.server;
    let flags = 0;
    const ev = server.config.values.maxmemory as number > 0 ? evictor(server) : null;
    const oom = ev !== null && ev.preCommandOom;
    if ((sflags & ScriptFlag.EvalCompat) === 0) {
      if ((sflags & ScriptFlag.NoWrites) === 0) {
        const denied = (caller.flags & ClientFlag.Master) === 0 ? persistence(server).writeDeniedReason() : undefined;
        if (denied !== undefined) {
          return new ErrorReply(denied.startsWith('MISCONF Errors writing to the AOF')
            ? `MISCONF Redis is configured to persist data to AOF, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts. AOF error: ${denied.slice(denied.indexOf(': ') + 2)}`
            : "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts.");
        }
        if (ro) return new ErrorReply('ERR Can not execute a script with write flag using *_ro command.');
      }
      if (oom && (sflags & (ScriptFlag.AllowOom | ScriptFlag.NoWrites)) === 0) {
        return new ErrorReply("OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'");
      }
      if ((sflags & ScriptFlag.NoWrites) !== 0) flags |= RunFlag.ReadOnly;
      if ((sflags & ScriptFlag.AllowOom) !== 0) flags |= RunFlag.AllowOom;
    }
    if (ro) flags |= RunFlag.ReadOnly;
    const sc = this.client;
    sc.db = caller.db;
    sc.resp = 2;
    sc.user = caller.user;
    const run: RunContext = {
      caller, callerCmd: cmd, callerArgv: argv, sha, flags, replFlags: PROPAGATE_AOF | PROPAGATE_REPL,
      start: performance.now(), oom,
    };
    this.run = run;
    const lua = this.lua;
    const threshold = server.config.values['busy-reply-threshold'] as number;
    if (threshold > 0) lua.sethook(this.hook, LUA_MASKCOUNT, 100000);
    let reply: Reply;
    try {
      lua.settop(0);
      lua.getref(this.errHandler);
      lua.getref(fnRef);
      let status: number;
      if (this.mode === 'eval') {
        // EVAL: KEYS and ARGV are globals.
        lua.getref(this.realGlobals);
        this.pushArray(keys);
        lua.setfield(-2, 'KEYS');
        this.pushArray(args);
        lua.setfield(-2, 'ARGV');
        lua.pop(1);
        status = lua.pcall(0, 1, 1);
      } else {
        // A function gets them as arguments.
        this.pushArray(keys);
        this.pushArray(args);
        status = lua.pcall(2, 1, 1);
      }
      if (++this.gcCount === 50) {
        lua.gcStep(50);
        this.gcCount = 0;
      }
      if (status !== 0) reply = this.errorFromLua();
      else reply = this.toReply(2);
    } finally {
      if (threshold > 0) lua.clearhook();
      lua.settop(0);
      server.nestedTargets = Target.All;
      if ((run.flags & RunFlag.TimedOut) !== 0) {
        server.log('warning', `Slow script ${sha} ended after ${Math.round(performance.now() - run.start)} milliseconds.`);
      }
      this.run = null;
    }
    return reply;
  }

  private pushArray(items: string[]): void {
    const lua = this.lua;
    lua.newtable(items.length, 0);
    for (let i = 0; i < items.length; i++) {
      lua.pushstring(items[i]);
      lua.rawseti(-2, i + 1);
    }
  }

  /** The error reply for a failed script run (the error value is on top of the stack). */
  private errorFromLua(): Reply {
    const lua = this.lua;
    if (lua.type(-1) !== LuaType.Table) {
      const msg = lua.isstring(-1) ? lua.tostring(-1)! : 'execution failure';
      return new ErrorReply(`ERR Error running script ${this.run!.sha}, ${msg.slice(0, 100)}`);
    }
    const info = this.errorInfo();
    let text = info.msg;
    if (info.line !== null && info.source !== null) text += ` script: ${this.run!.sha}, on ${info.source}:${info.line}.`;
    return errorReply(text, info.counted);
  }

  /** The fields of an error table on top of the stack (Redis's luaExtractErrorInformation). */
  private errorInfo(): { msg: string; source: string | null; line: string | null; counted: boolean } {
    const lua = this.lua;
    let msg = '';
    lua.getfield(-1, 'err');
    if (lua.isstring(-1)) msg = lua.tostring(-1)!;
    lua.pop(1);
    lua.getfield(-1, 'source');
    const source = lua.isstring(-1) ? lua.tostring(-1) : null;
    lua.pop(1);
    lua.getfield(-1, 'line');
    const line = lua.isstring(-1) ? lua.tostring(-1) : null;
    lua.pop(1);
    lua.getfield(-1, 'ignore_error_stats_update');
    const counted = lua.type(-1) === LuaType.Boolean && lua.toboolean(-1);
    lua.pop(1);
    return { msg, source, line, counted };
  }

  /**
   * Converts the value on top of the stack to a reply and pops it (luaReplyToRedisReply).
   * Iterative: nested tables as deep as the Lua stack allows (a table containing itself ends
   * in Redis's "reached lua stack limit" error) need no JS recursion.
   */
  private toReply(_scriptResp: number): Reply {
    const frames: Frame[] = [];
    for (;;) {
      let value = this.openValue(frames);
      while (value !== undefined) {
        const f = frames[frames.length - 1];
        if (f === undefined) return value;
        value = this.childDone(f, value);
        if (value !== undefined) {
          // Very deep nesting is rendered in steps (the encoder recurses once per level).
          if ((frames.length & 255) === 0 && Array.isArray(value)) {
            (value as { encoded?: string }).encoded = encodeReply(value, this.run?.caller.resp ?? 2);
          }
          frames.pop();
        }
      }
    }
  }

  /**
   * Starts converting the value on top of the stack: a scalar (or a special table) is converted
   * and popped; an aggregate pushes a frame and leaves its first element on top (undefined).
   */
  private openValue(frames: Frame[]): Reply | undefined {
    const lua = this.lua;
    if (!lua.checkstack(4)) {
      lua.pop(1);
      return new ErrorReply('ERR reached lua stack limit');
    }
    let reply: Reply;
    switch (lua.type(-1)) {
      case LuaType.String:
        reply = lua.tostring(-1)!;
        break;
      case LuaType.Boolean:
        if (this.client.resp === 2) reply = lua.toboolean(-1) ? 1 : null;
        else reply = new BoolReply(lua.toboolean(-1));
        break;
      case LuaType.Number:
        reply = luaNumberToInteger(lua.tonumber(-1));
        break;
      case LuaType.Table: {
        const special = this.specialTable();
        if (special !== undefined) return special;
        lua.rawgetfield(-1, 'map');
        if (lua.type(-1) === LuaType.Table) {
          lua.pushnil();
          if (!lua.next(-2)) {
            lua.pop(2);
            return new MapReply([]);
          }
          lua.pushvalue(-2);
          frames.push({ kind: FrameKind.MapKey, items: [], j: 0 });
          return undefined;
        }
        lua.pop(1);
        lua.rawgetfield(-1, 'set');
        if (lua.type(-1) === LuaType.Table) {
          lua.pushnil();
          if (!lua.next(-2)) {
            lua.pop(2);
            return new SetReply([]);
          }
          lua.pop(1);
          lua.pushvalue(-1);
          frames.push({ kind: FrameKind.Set, items: [], j: 0 });
          return undefined;
        }
        lua.pop(1);
        lua.rawgeti(-1, 1);
        if (lua.type(-1) === LuaType.Nil) {
          lua.pop(2);
          return [];
        }
        frames.push({ kind: FrameKind.Array, items: [], j: 1 });
        return undefined;
      }
      default:
        reply = null;
    }
    lua.pop(1);
    return reply;
  }

  /** An element of `f` was converted: the aggregate's reply when it is complete (popped). */
  private childDone(f: Frame, v: Reply): Reply | undefined {
    const lua = this.lua;
    f.items.push(v);
    switch (f.kind) {
      case FrameKind.Array:
        lua.rawgeti(-1, ++f.j);
        if (lua.type(-1) !== LuaType.Nil) return undefined;
        lua.pop(2);
        return f.items;
      case FrameKind.MapKey:
        // The value is on top now.
        f.kind = FrameKind.MapValue;
        return undefined;
      case FrameKind.MapValue:
        if (lua.next(-2)) {
          lua.pushvalue(-2);
          f.kind = FrameKind.MapKey;
          return undefined;
        }
        lua.pop(2);
        return new MapReply(f.items);
      case FrameKind.Set:
        if (lua.next(-2)) {
          lua.pop(1);
          lua.pushvalue(-1);
          return undefined;
        }
        lua.pop(2);
        return new SetReply(f.items);
    }
  }

  /** A table with err/ok/double/big_number/verbatim_string: its reply (table popped), else undefined. */
  private specialTable(): Reply | undefined {
    const lua = this.lua;
    lua.rawgetfield(-1, 'err');
    if (lua.type(-1) === LuaType.String) {
      lua.pop(1);
      const info = this.errorInfo();
      lua.pop(1);
      return errorReply(info.msg, info.counted);
    }
    lua.pop(1);
    lua.rawgetfield(-1, 'ok');
    if (lua.type(-1) === LuaType.String) {
      const s = lua.tostring(-1)!.replace(/[\r\n]/g, ' ');
      lua.pop(2);
      return new SimpleString(s);
    }
    lua.pop(1);
    lua.rawgetfield(-1, 'double');
    if (lua.type(-1) === LuaType.Number) {
      const d = lua.tonumber(-1);
      lua.pop(2);
      return new DoubleReply(d);
    }
    lua.pop(1);
    lua.rawgetfield(-1, 'big_number');
    if (lua.type(-1) === LuaType.String) {
      const s = lua.tostring(-1)!.replace(/[\r\n]/g, ' ');
      lua.pop(2);
      return new BigNumberReply(s);
    }
    lua.pop(1);
    lua.rawgetfield(-1, 'verbatim_string');
    if (lua.type(-1) === LuaType.Table) {
      lua.rawgetfield(-1, 'format');
      if (lua.type(-1) === LuaType.String) {
        const format = lua.tostring(-1)!;
        lua.rawgetfield(-2, 'string');
        if (lua.type(-1) === LuaType.String) {
          const text = lua.tostring(-1)!;
          lua.pop(4);
          return new VerbatimReply(text, (format + '\0\0\0').slice(0, 3));
        }
        lua.pop(1);
      }
      lua.pop(1);
    }
    lua.pop(1);
    return undefined;
  }

  // ---- the redis.* API ----

  /** redis.call / redis.pcall: runs a command; `raise` makes command errors Lua errors. */
  private redisCall(raise: boolean): number {
    const lua = this.lua;
    const run = this.run;
    if (run === null) {
      this.pushError('redis.call/pcall can only be called inside a script invocation');
      return lua.error();
    }
    const argc = lua.top();
    if (argc === 0) {
      this.pushError('Please specify at least one argument for this redis lib call');
      return raise ? lua.error() : 1;
    }
    const argv: string[] = new Array(argc);
    for (let j = 0; j < argc; j++) {
      const t = lua.type(j + 1);
      let s: string | null;
      if (t === LuaType.Number) s = formatDouble(lua.tonumber(j + 1));
      else s = t === LuaType.String ? lua.tostring(j + 1) : null;
      if (s === null) {
        lua.settop(0);
        this.pushError('Lua redis lib command arguments must be strings or integers');
        return raise ? lua.error() : 1;
      }
      argv[j] = s;
    }
    lua.settop(0);
    if (this.inCall) {
      const warning = 'luaRedisGenericCommand() recursive call detected. Are you doing funny stuff with Lua debug hooks?';
      this.server.log('warning', warning);
      this.pushError(warning);
      return 1;
    }
    let reply: Reply;
    let rejected: string | undefined;
    this.inCall = true;
    try {
      rejected = this.checkCall(run, argv);
      if (rejected === undefined) {
        const cmd = this.client.lastCommand!;
        reply = call(this.client, cmd, argv);
        if ((cmd.flags & Flag.ReadOnly) !== 0 && (run.caller.flags & ClientFlag.Tracking) !== 0) {
          tracking(this.server).rememberKeys(run.caller, run.callerCmd, run.callerArgv);
        }
      } else {
        reply = null;
      }
    } catch (e) {
      // A bug in a command must not unwind through the Lua VM.
      this.server.log('warning', `Error in a command called from a script: ${(e as Error)?.stack ?? e}`);
      rejected = `ERR ${(e as Error)?.message ?? e}`;
      reply = null;
    } finally {
      this.inCall = false;
    }
    if (rejected !== undefined) {
      this.pushError(rejected);
      lua.pushboolean(true);
      lua.setfield(-2, 'ignore_error_stats_update');
      return raise ? lua.error() : 1;
    }
    if (reply instanceof ErrorReply) {
      this.pushError('-' + reply.message);
      lua.pushboolean(true);
      lua.setfield(-2, 'ignore_error_stats_update');
      return raise ? lua.error() : 1;
    }
    this.pushReply(reply);
    return 1;
  }

  /** Redis's checks before a script's command runs; the error text, or undefined to run it. */
  private checkCall(run: RunContext, argv: string[]): string | undefined {
    const sc = this.client;
    const server = this.server;
    const cmd = lookupCommand(sc, argv);
    sc.lastCommand = cmd ?? null;
    let err: string | undefined;
    if (cmd === undefined) err = 'Unknown Redis command called from script';
    else if (!checkArity(cmd, argv.length)) err = 'Wrong number of args calling Redis command from script';
    else if ((cmd.flags & Flag.NoScript) !== 0 && !debugState(server).disableDenyScripts) err = 'This Redis command is not allowed from script';
    else if ((run.flags & RunFlag.ReadOnly) !== 0 && (cmd.flags & (Flag.Write | Flag.MayReplicate)) !== 0) {
      err = 'Write commands are not allowed from read-only scripts.';
    } else if ((cmd.flags & Flag.Write) !== 0 && (run.flags & RunFlag.WriteDirty) === 0) {
      // In Redis's order: a read-only replica, a persistence error, too few good replicas.
      const repl = existingReplication(server);
      const denied = repl?.readOnlyError(run.caller) ??
        ((run.caller.flags & ClientFlag.Master) === 0 ? persistence(server).writeDeniedReason() : undefined) ??
        repl?.replicasError();
      if (denied !== undefined) err = '-' + denied;
    }
    if (err === undefined && (run.flags & (RunFlag.AllowOom | RunFlag.WriteDirty)) === 0 && run.oom &&
        (run.caller.flags & ClientFlag.Master) === 0 && (cmd!.flags & Flag.DenyOom) !== 0) {
      err = '-' + OOM_ERROR;
    }
    if (err !== undefined) {
      const reply = errorReply(err.startsWith('-') ? err.slice(1) : 'ERR ' + err, false);
      server.countError(reply);
      // Counted against the command refused, not the script command running it.
      server.errorMark = server.stats.errorReplies;
      if (cmd !== undefined) cmd.rejectedCalls++;
      return err;
    }
    if ((cmd!.flags & Flag.Write) !== 0) run.flags |= RunFlag.WriteDirty;
    server.nestedTargets = run.replFlags;
    return undefined;
  }

  /** Pushes an error table {err='CODE message'} (luaPushErrorBuff). */
  private pushError(text: string): void {
    let code = 'ERR';
    let msg = text;
    if (text.startsWith('-')) {
      const sp = text.indexOf(' ');
      if (sp < 0) msg = text.slice(1);
      else {
        code = text.slice(1, sp);
        msg = text.slice(sp + 1);
      }
    }
    msg = msg.replace(/^[\r\n]+|[\r\n]+$/g, '');
    const lua = this.lua;
    lua.newtable();
    lua.pushstring(`${code} ${msg}`);
    lua.setfield(-2, 'err');
  }

  /** Pushes a command's reply as Lua sees it (redisProtocolToLuaType, in the script's RESP). */
  private pushReply(reply: Reply): void {
    const lua = this.lua;
    const resp = this.client.resp;
    if (!lua.checkstack(5)) throw new Error('lua stack limit reached when converting a reply');
    switch (typeof reply) {
      case 'string':
        lua.pushstring(reply);
        return;
      case 'number':
        lua.pushnumber(reply);
        return;
      case 'bigint':
        lua.pushnumber(Number(reply));
        return;
    }
    if (reply === null || reply instanceof NullArray || reply === NO_REPLY) {
      if (resp === 2) lua.pushboolean(false);
      else lua.pushnil();
      return;
    }
    if (Array.isArray(reply) || (resp === 2 && (reply instanceof SetReply || reply instanceof PushReply || reply instanceof MapReply))) {
      const items = Array.isArray(reply) ? reply : (reply as SetReply).items;
      lua.newtable(items.length, 0);
      for (let i = 0; i < items.length; i++) {
        this.pushReply(items[i]);
        lua.rawseti(-2, i + 1);
      }
      return;
    }
    if (reply instanceof Uint8Array) {
      lua.pushbytes(reply);
      return;
    }
    if (reply instanceof SimpleString) {
      lua.newtable();
      lua.pushstring(reply.value);
      lua.setfield(-2, 'ok');
      return;
    }
    if (reply instanceof ErrorReply) {
      this.pushError('-' + reply.message);
      return;
    }
    if (reply instanceof DoubleReply) {
      const text = reply.text ?? formatDouble(reply.value);
      if (resp === 2) {
        lua.pushstring(text);
        return;
      }
      lua.newtable();
      lua.pushnumber(Number.parseFloat(text));
      lua.setfield(-2, 'double');
      return;
    }
    if (reply instanceof BoolReply) {
      if (resp === 2) lua.pushnumber(reply.value ? 1 : 0);
      else lua.pushboolean(reply.value);
      return;
    }
    if (reply instanceof VerbatimReply) {
      if (resp === 2) {
        lua.pushstring(reply.text);
        return;
      }
      lua.newtable();
      lua.newtable();
      lua.pushstring(reply.text);
      lua.setfield(-2, 'string');
      lua.pushstring(reply.format);
      lua.setfield(-2, 'format');
      lua.setfield(-2, 'verbatim_string');
      return;
    }
    if (reply instanceof BigNumberReply) {
      if (resp === 2) {
        lua.pushstring(reply.digits);
        return;
      }
      lua.newtable();
      lua.pushstring(reply.digits);
      lua.setfield(-2, 'big_number');
      return;
    }
    if (reply instanceof AttributeReply) {
      this.pushReply(reply.reply);
      return;
    }
    if (reply instanceof MapReply) {
      lua.newtable();
      lua.newtable();
      const items = reply.items;
      for (let i = 0; i < items.length; i += 2) {
        this.pushReply(items[i]);
        this.pushReply(items[i + 1]);
        lua.settable(-3);
      }
      lua.setfield(-2, 'map');
      return;
    }
    if (reply instanceof SetReply || reply instanceof PushReply) {
      lua.newtable();
      lua.newtable();
      for (const item of reply.items) {
        this.pushReply(item);
        lua.pushboolean(true);
        lua.settable(-3);
      }
      lua.setfield(-2, 'set');
      return;
    }
    lua.pushboolean(false);
  }

  private sha1hexFn(): number {
    const lua = this.lua;
    if (lua.top() !== 1) {
      this.pushError('wrong number of arguments');
      return lua.error();
    }
    const s = lua.tostring(1) ?? '';
    lua.pushstring(sha1hex(s));
    return 1;
  }

  private errorReplyFn(): number {
    const lua = this.lua;
    if (lua.top() !== 1 || lua.type(-1) !== LuaType.String) {
      this.pushError('wrong number or type of arguments');
      return 1;
    }
    const s = cstr(lua.tostring(-1)!);
    this.pushError(s.startsWith('-') ? s : '-' + s);
    return 1;
  }

  private statusReplyFn(): number {
    const lua = this.lua;
    if (lua.top() !== 1 || lua.type(-1) !== LuaType.String) {
      this.pushError('wrong number or type of arguments');
      return 1;
    }
    lua.newtable();
    lua.pushvalue(-2);
    lua.setfield(-2, 'ok');
    return 1;
  }

  private logFn(): number {
    const lua = this.lua;
    const argc = lua.top();
    if (argc < 2) {
      this.pushError('redis.log() requires two arguments or more.');
      return lua.error();
    }
    if (!lua.isnumber(1)) {
      this.pushError('First argument must be a number (log level).');
      return lua.error();
    }
    const level = Math.trunc(lua.tonumber(1));
    if (!(level >= 0 && level <= 3)) {
      this.pushError('Invalid debug level.');
      return lua.error();
    }
    const name = LOG_LEVEL_NAMES[level];
    if (!this.server.logs(name)) return 0;
    const parts: string[] = [];
    for (let j = 2; j <= argc; j++) {
      const s = lua.tostring(j);
      if (s !== null) parts.push(s);
    }
    this.server.log(name, parts.join(' '));
    return 0;
  }

  private setRespFn(): number {
    const lua = this.lua;
    if (this.run === null) {
      this.pushError('redis.setresp can only be called inside a script invocation');
      return lua.error();
    }
    if (lua.top() !== 1) {
      this.pushError('redis.setresp() requires one argument.');
      return lua.error();
    }
    const resp = Math.trunc(lua.tonumber(1));
    if (resp !== 2 && resp !== 3) {
      this.pushError('RESP version must be 2 or 3.');
      return lua.error();
    }
    this.client.resp = resp;
    return 0;
  }

  private setReplFn(): number {
    const lua = this.lua;
    if (this.run === null) {
      this.pushError('redis.set_repl can only be called inside a script invocation');
      return lua.error();
    }
    if (lua.top() !== 1) {
      this.pushError('redis.set_repl() requires two arguments.');
      return lua.error();
    }
    const flags = Math.trunc(lua.tonumber(-1));
    if ((flags & ~(PROPAGATE_AOF | PROPAGATE_REPL)) !== 0) {
      this.pushError('Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.');
      return lua.error();
    }
    this.run.replFlags = flags;
    return 0;
  }

  private aclCheckFn(): number {
    const lua = this.lua;
    if (this.run === null) {
      this.pushError('redis.acl_check_cmd can only be called inside a script invocation');
      return lua.error();
    }
    const argc = lua.top();
    if (argc === 0) {
      this.pushError('Please specify at least one argument for this redis lib call');
      return lua.error();
    }
    const argv: string[] = [];
    for (let j = 1; j <= argc; j++) {
      const t = lua.type(j);
      const s = t === LuaType.Number ? formatDouble(lua.tonumber(j)) : t === LuaType.String ? lua.tostring(j) : null;
      if (s === null) {
        lua.settop(0);
        this.pushError('Lua redis lib command arguments must be strings or integers');
        return lua.error();
      }
      argv.push(s);
    }
    lua.settop(0);
    if (lookupCommand(this.client, argv) === undefined) {
      this.pushError('Invalid command passed to redis.acl_check_cmd()');
      return lua.error();
    }
    // Larder has a single user with every permission.
    lua.pushboolean(true);
    return 1;
  }

  private randomFn(): number {
    const lua = this.lua;
    if (this.run === null) return lua.errorWhere('math.random can only be called inside a script invocation');
    const r = (rand.next() % 2147483647) / 2147483647;
    switch (lua.top()) {
      case 0:
        lua.pushnumber(r);
        break;
      case 1: {
        const u = this.checkInt(1);
        if (u < 1) this.argError(1, 'interval is empty');
        lua.pushnumber(Math.floor(r * u) + 1);
        break;
      }
      case 2: {
        const l = this.checkInt(1);
        const u = this.checkInt(2);
        if (l > u) this.argError(2, 'interval is empty');
        lua.pushnumber(Math.floor(r * (u - l + 1)) + l);
        break;
      }
      default:
        return lua.errorWhere('wrong number of arguments');
    }
    return 1;
  }

  private randomSeedFn(): number {
    if (this.run === null) return this.lua.errorWhere('math.randomseed can only be called inside a script invocation');
    rand.seed(this.checkInt(1));
    return 0;
  }

  /** luaL_checkint. */
  private checkInt(i: number): number {
    const lua = this.lua;
    const n = lua.tonumber(i);
    if (n === 0 && !lua.isnumber(i)) {
      const got = lua.type(i) === LuaType.None ? 'no value' : lua.m.UTF8ToString(lua.m._lua_typename(lua.L, lua.type(i)));
      this.argError(i, `number expected, got ${got}`);
    }
    return n | 0;
  }

  private argError(i: number, msg: string): never {
    this.lua.m._luaL_argerror(this.lua.L, i, this.lua.cstr(msg));
    throw new Error('unreachable');
  }

  /** The instruction-count hook (every 100000 instructions while a script runs). */
  private countHook(): void {
    const loading = this.loading;
    if (loading !== null) {
      if (loading.timeout > 0 && performance.now() - loading.start > loading.timeout) {
        this.lua.sethook(this.hook, 4 /* LUA_MASKLINE */, 0);
        this.pushError('FUNCTION LOAD timeout');
        this.lua.error();
      }
      return;
    }
    const run = this.run;
    if (run === null) return;
    const server = this.server;
    if ((run.flags & RunFlag.Killed) !== 0) {
      this.pushError('Script killed by user with SCRIPT KILL...');
      this.lua.error();
    }
    const elapsed = performance.now() - run.start;
    const threshold = server.config.values['busy-reply-threshold'] as number;
    if ((run.flags & RunFlag.TimedOut) !== 0 || elapsed < threshold) return;
    run.flags |= RunFlag.TimedOut;
    server.log('warning', `Slow script detected: still in execution after ${Math.round(elapsed)} milliseconds. You can try killing the script using the ${this.mode === 'eval' ? 'SCRIPT KILL' : 'FUNCTION KILL'} command. Script name is: ${run.sha}.`);
    // Nobody else can be served while the script runs, so SCRIPT KILL can't arrive: a script
    // that hasn't written yet is killed now (what SCRIPT KILL would do); one that wrote runs on.
    if ((run.flags & RunFlag.WriteDirty) === 0) {
      run.flags |= RunFlag.Killed;
      server.log('warning', 'Lua script killed by user with SCRIPT KILL.');
      // Hook every line so that pcall can't keep the script alive.
      this.lua.sethook(this.hook, 4 /* LUA_MASKLINE */, 0);
      this.pushError('Script killed by user with SCRIPT KILL...');
      this.lua.error();
    }
  }

  // ---- FUNCTION LOAD ----

  /**
   * Runs a library's code (without its shebang line) so that it registers its functions.
   * Returns them, or the error text (without error code).
   */
  loadLibrary(code: string, timeoutMs: number): Map<string, LuaFunction> | string {
    const lua = this.lua;
    if (lua.load(code, '@user_function') !== 0) {
      const msg = lua.tostring(-1) ?? '';
      lua.settop(0);
      return `Error compiling function: ${msg}`;
    }
    const loading = { functions: new Map<string, LuaFunction>(), start: performance.now(), timeout: timeoutMs };
    this.loading = loading;
    this.setGlobalsIndex(this.libApi);
    lua.sethook(this.hook, LUA_MASKCOUNT, 100000);
    let error: string | undefined;
    try {
      if (lua.pcall(0, 0, 0) !== 0) {
        let msg = '';
        if (lua.isstring(-1)) msg = `ERR ${lua.tostring(-1)}`;
        else if (lua.type(-1) === LuaType.Table) msg = this.errorInfo().msg;
        error = `Error registering functions: ${msg}`;
      }
    } finally {
      lua.clearhook();
      this.setGlobalsIndex(this.realGlobals);
      this.loading = null;
      lua.settop(0);
    }
    if (error === undefined && loading.functions.size === 0) error = 'No functions registered';
    if (error !== undefined) {
      this.freeFunctions(loading.functions);
      return error;
    }
    return loading.functions;
  }

  freeFunctions(functions: Map<string, LuaFunction>): void {
    for (const f of functions.values()) this.lua.unref(f.ref);
  }

  private setGlobalsIndex(ref: number): void {
    const lua = this.lua;
    lua.getref(this.globalsMeta);
    lua.getref(ref);
    lua.setfield(-2, '__index');
    lua.pop(1);
  }

  /** redis.register_function(name, callback) or redis.register_function{...}. */
  private registerFunctionFn(): number {
    const lua = this.lua;
    const loading = this.loading;
    if (loading === null) {
      this.pushError('redis.register_function can only be called on FUNCTION LOAD command');
      return lua.error();
    }
    const argc = lua.top();
    const fail = (msg: string): never => {
      this.pushError(msg);
      return lua.error();
    };
    if (argc < 1 || argc > 2) fail('wrong number of arguments to redis.register_function');
    let name: string | null = null;
    let desc: string | null = null;
    let ref = -1;
    let flags = 0;
    const release = () => {
      if (ref !== -1) lua.unref(ref);
      ref = -1;
    };
    if (argc === 2) {
      name = lua.isstring(1) ? lua.tostring(1) : null;
      if (name === null) fail('first argument to redis.register_function must be a string');
      if (lua.type(2) !== LuaType.Function) fail('second argument to redis.register_function must be a function');
      lua.settop(2);
      ref = lua.ref();
    } else {
      if (lua.type(1) !== LuaType.Table) {
        fail('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).');
      }
      lua.pushnil();
      let err: string | undefined;
      while (lua.next(1)) {
        if (!lua.isstring(-2)) {
          err = 'named argument key given to redis.register_function is not a string';
          break;
        }
        // (A number key would be converted in place and break the traversal: copy it first.)
        lua.pushvalue(-2);
        const key = (lua.tostring(-1) ?? '').toLowerCase();
        lua.pop(1);
        if (key === 'function_name') {
          if (!lua.isstring(-1)) {
            err = 'function_name argument given to redis.register_function must be a string';
            break;
          }
          name = lua.tostring(-1);
        } else if (key === 'description') {
          if (!lua.isstring(-1)) {
            err = 'description argument given to redis.register_function must be a string';
            break;
          }
          desc = lua.tostring(-1);
        } else if (key === 'callback') {
          if (lua.type(-1) !== LuaType.Function) {
            err = 'callback argument given to redis.register_function must be a function';
            break;
          }
          release();
          ref = lua.ref();
          continue;
        } else if (key === 'flags') {
          if (lua.type(-1) !== LuaType.Table) {
            err = 'flags argument to redis.register_function must be a table representing function flags';
            break;
          }
          const f = this.readFlags();
          if (f === null) {
            err = 'unknown flag given';
            break;
          }
          flags = f;
        } else {
          err = 'unknown argument given to redis.register_function';
          break;
        }
        lua.pop(1);
      }
      if (err === undefined && name === null) err = 'redis.register_function must get a function name argument';
      if (err === undefined && ref === -1) err = 'redis.register_function must get a callback argument';
      if (err !== undefined) {
        release();
        fail(err);
      }
    }
    if (!validName(name!)) {
      release();
      fail('Library names can only contain letters, numbers, or underscores(_) and must be at least one character long');
    }
    if (loading.functions.has(name!)) {
      release();
      fail('Function already exists in the library');
    }
    loading.functions.set(name!, { name: name!, ref, desc, flags });
    return 0;
  }

  /** The flags table on top of the stack: the flags, or null for an unknown one. */
  private readFlags(): number | null {
    const lua = this.lua;
    let flags = 0;
    for (let j = 1; ; j++) {
      lua.pushnumber(j);
      lua.m._lua_gettable(lua.L, -2);
      const t = lua.type(-1);
      if (t === LuaType.Nil) {
        lua.pop(1);
        return flags;
      }
      const s = lua.isstring(-1) ? lua.tostring(-1)!.toLowerCase() : null;
      lua.pop(1);
      const bit = s === null ? undefined : SHEBANG_FLAGS[s];
      if (bit === undefined) return null;
      flags |= bit;
    }
  }

  /** Memory of the Lua state (INFO used_memory_lua). */
  memory(): number {
    return this.lua.memory();
  }
}

/** An error reply; `counted` when its error was already counted (by the command that failed). */
function errorReply(message: string, counted: boolean): ErrorReply {
  const r = new ErrorReply(message.replace(/[\r\n]/g, ' '));
  r.counted = counted;
  return r;
}

/** A Lua number as the integer reply Redis makes of it ((long long) cast). */
function luaNumberToInteger(n: number): number | bigint {
  if (Number.isSafeInteger(n)) return n;
  if (!Number.isFinite(n) || n >= 9223372036854775807 || n < -9223372036854775808) return -9223372036854775808n;
  const t = Math.trunc(n);
  return Number.isSafeInteger(t) ? t : BigInt(t);
}

export function scriptEngine(server: Server): ScriptEngine {
  return server.state('scripting', () => new ScriptEngine(server));
}

export { LUA_REGISTRYINDEX };
