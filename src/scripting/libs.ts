// The extra Lua libraries Redis ships with its scripting engine, implemented in JS over the Lua
// C API (the WebAssembly Lua VM has only the standard libraries): cjson (lua-cjson 2.1 as
// Redis configures it: 14-digit numbers, sparse arrays refused, depth 1000, strtod numbers
// accepted when decoding), bit (LuaBitOp 1.0: 32-bit operations on numbers), cmsgpack
// (lua-cmsgpack 0.4.0) and struct (Roberto Ierusalimschy's struct, with the sizes and byte order
// of the x86-64 build Redis ships: little-endian, long and size_t of 8 bytes).

import { formatG } from '../util/numbers.js';
import { LuaState, LuaType } from './lua.js';

const MAX_DEPTH = 1000;

/** cjson's settings (per Lua state, changed by its configuration functions). */
interface CjsonConfig {
  encodeMaxDepth: number;
  decodeMaxDepth: number;
  encodeNumberPrecision: number;
  /** 0: error, 1: allowed ("nan", "inf"), 2: encoded as null. */
  encodeInvalidNumbers: 0 | 1 | 2;
  decodeInvalidNumbers: boolean;
  keepBuffer: boolean;
  sparseConvert: boolean;
  sparseRatio: number;
  sparseSafe: number;
}

function defaultConfig(): CjsonConfig {
  return {
    encodeMaxDepth: MAX_DEPTH, decodeMaxDepth: MAX_DEPTH, encodeNumberPrecision: 14, encodeInvalidNumbers: 0,
    decodeInvalidNumbers: true, keepBuffer: true, sparseConvert: false, sparseRatio: 2, sparseSafe: 10,
  };
}

// JSON escapes of the bytes lua-cjson escapes: control characters, '"', '/', '\' and DEL.
const ESCAPES: (string | null)[] = new Array(256).fill(null);
for (let i = 0; i < 32; i++) ESCAPES[i] = '\\u' + i.toString(16).padStart(4, '0');
ESCAPES[8] = '\\b';
ESCAPES[9] = '\\t';
ESCAPES[10] = '\\n';
ESCAPES[12] = '\\f';
ESCAPES[13] = '\\r';
ESCAPES[34] = '\\"';
ESCAPES[47] = '\\/';
ESCAPES[92] = '\\\\';
ESCAPES[127] = '\\u007f';

function escapeJson(s: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const e = ESCAPES[s.charCodeAt(i)];
    if (e !== null) {
      out += s.slice(from, i) + e;
      from = i + 1;
    }
  }
  return out + s.slice(from) + '"';
}

/** luaL_error: an error with the position of the calling Lua code. */
function luaError(lua: LuaState, message: string): never {
  lua.m._luaL_where(lua.L, 1);
  lua.pushstring(message);
  lua.m._lua_concat(lua.L, 2);
  return lua.error();
}

function typeName(lua: LuaState, i: number): string {
  return lua.m.UTF8ToString(lua.m._lua_typename(lua.L, lua.type(i)));
}

function argError(lua: LuaState, i: number, msg: string): never {
  lua.m._luaL_argerror(lua.L, i, lua.cstr(msg));
  throw new Error('unreachable');
}

// ---- cjson ----

function encodeNumber(lua: LuaState, cfg: CjsonConfig, i: number): string {
  const n = lua.tonumber(i);
  if (!Number.isFinite(n)) {
    if (cfg.encodeInvalidNumbers === 0) luaError(lua, `Cannot serialise ${typeName(lua, i)}: must not be NaN or Inf`);
    if (cfg.encodeInvalidNumbers === 2) return 'null';
    if (Number.isNaN(n)) return 'nan';
  }
  return formatG(n, cfg.encodeNumberPrecision);
}

function encodeValue(lua: LuaState, cfg: CjsonConfig, depth: number): string {
  switch (lua.type(-1)) {
    case LuaType.String:
      return escapeJson(lua.tostring(-1)!);
    case LuaType.Number:
      return encodeNumber(lua, cfg, -1);
    case LuaType.Boolean:
      return lua.toboolean(-1) ? 'true' : 'false';
    case LuaType.Nil:
      return 'null';
    case LuaType.LightUserdata:
      if (lua.m._lua_touserdata(lua.L, -1) === 0) return 'null';
      break;
    case LuaType.Table: {
      depth++;
      if (depth > cfg.encodeMaxDepth || !lua.checkstack(3)) luaError(lua, `Cannot serialise, excessive nesting (${depth})`);
      // Array: only positive integer keys, not too sparse.
      let max = 0;
      let items = 0;
      let isArray = true;
      lua.pushnil();
      while (lua.next(-2)) {
        if (lua.type(-2) === LuaType.Number) {
          const k = lua.tonumber(-2);
          if (k !== 0 && Math.floor(k) === k && k >= 1) {
            if (k > max) max = k;
            items++;
            lua.pop(1);
            continue;
          }
        }
        lua.pop(2);
        isArray = false;
        break;
      }
      if (isArray && cfg.sparseRatio > 0 && max > items * cfg.sparseRatio && max > cfg.sparseSafe) {
        if (!cfg.sparseConvert) luaError(lua, `Cannot serialise ${typeName(lua, -1)}: excessively sparse array`);
        isArray = false;
      }
      if (isArray && max > 0) {
        const parts: string[] = [];
        for (let i = 1; i <= max; i++) {
          lua.rawgeti(-1, i);
          parts.push(encodeValue(lua, cfg, depth));
          lua.pop(1);
        }
        return '[' + parts.join(',') + ']';
      }
      let out = '{';
      let comma = false;
      lua.pushnil();
      while (lua.next(-2)) {
        if (comma) out += ',';
        comma = true;
        const kt = lua.type(-2);
        if (kt === LuaType.Number) out += '"' + encodeNumber(lua, cfg, -2) + '":';
        else if (kt === LuaType.String) {
          // Not lua.tostring on a key while iterating beyond strings: a string key is safe.
          out += escapeJson(lua.tostring(-2)!) + ':';
        } else luaError(lua, `Cannot serialise ${typeName(lua, -2)}: table key must be a number or string`);
        out += encodeValue(lua, cfg, depth);
        lua.pop(1);
      }
      return out + '}';
    }
  }
  return luaError(lua, `Cannot serialise ${typeName(lua, -1)}: type not supported`);
}

const enum Tok { ObjBegin, ObjEnd, ArrBegin, ArrEnd, String, Number, Boolean, Null, Colon, Comma, End, Whitespace, Error, Unknown }
const TOKEN_NAMES = ['T_OBJ_BEGIN', 'T_OBJ_END', 'T_ARR_BEGIN', 'T_ARR_END', 'T_STRING', 'T_NUMBER', 'T_BOOLEAN', 'T_NULL', 'T_COLON', 'T_COMMA', 'T_END', 'T_WHITESPACE', 'T_ERROR', 'T_UNKNOWN'];

const NUMBER_RE = /^[+-]?(?:inf(?:inity)?|nan|0x(?:[0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(?:p[+-]?\d+)?|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)/i;

function strtod(text: string): number {
  const t = text.toLowerCase();
  const neg = t.startsWith('-');
  const body = t.replace(/^[+-]/, '');
  let v: number;
  if (body.startsWith('inf')) v = Infinity;
  else if (body.startsWith('nan')) v = NaN;
  else if (body.startsWith('0x')) {
    const m = /^0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/.exec(body)!;
    v = parseInt(m[1] || '0', 16);
    if (m[2]) for (let i = 0; i < m[2].length; i++) v += parseInt(m[2][i], 16) / 16 ** (i + 1);
    if (m[3]) v *= 2 ** Number(m[3]);
  } else v = Number(body);
  return neg ? -v : v;
}

/** Strict JSON refuses what strtod accepts: a leading +, hex, leading zeros, inf, nan. */
function invalidNumber(s: string, p: number): boolean {
  if (s[p] === '+') return true;
  if (s[p] === '-') p++;
  if (s[p] === '0') {
    const c = s[p + 1] ?? '';
    return c === 'x' || c === 'X' || (c >= '0' && c <= '9');
  }
  if (s[p] !== undefined && s[p] <= '9') return false;
  const w = s.slice(p, p + 3).toLowerCase();
  return w === 'inf' || w === 'nan';
}

class JsonParser {
  pos = 0;
  depth = 0;
  tok = Tok.End;
  tokIndex = 0;
  str = '';
  num = 0;
  bool = false;
  err = '';

  constructor(readonly lua: LuaState, readonly s: string, readonly cfg: CjsonConfig) {}

  private setError(msg: string): void {
    this.tok = Tok.Error;
    this.tokIndex = this.pos;
    this.err = msg;
  }

  next(): void {
    const s = this.s;
    let ch = this.pos < s.length ? s.charCodeAt(this.pos) : 0;
    while (ch === 32 || ch === 9 || ch === 10 || ch === 13) ch = ++this.pos < s.length ? s.charCodeAt(this.pos) : 0;
    this.tokIndex = this.pos;
    switch (ch) {
      case 0: this.tok = Tok.End; return;
      case 123: this.tok = Tok.ObjBegin; this.pos++; return;
      case 125: this.tok = Tok.ObjEnd; this.pos++; return;
      case 91: this.tok = Tok.ArrBegin; this.pos++; return;
      case 93: this.tok = Tok.ArrEnd; this.pos++; return;
      case 44: this.tok = Tok.Comma; this.pos++; return;
      case 58: this.tok = Tok.Colon; this.pos++; return;
      case 34: this.string(); return;
    }
    const rest = s.slice(this.pos, this.pos + 5);
    if (ch === 45 || (ch >= 48 && ch <= 57) || ch === 43 || ch === 105 || ch === 73 || ch === 110 || ch === 78) {
      if (rest.startsWith('null')) {
        this.tok = Tok.Null;
        this.pos += 4;
        return;
      }
      if (!this.cfg.decodeInvalidNumbers && invalidNumber(s, this.pos)) return this.setError('invalid number');
      const m = NUMBER_RE.exec(s.slice(this.pos, this.pos + 400));
      if (m === null) return this.setError(ch === 105 || ch === 73 || ch === 110 || ch === 78 ? 'invalid token' : 'invalid number');
      this.tok = Tok.Number;
      this.num = strtod(m[0]);
      this.pos += m[0].length;
      return;
    }
    if (rest.startsWith('true')) {
      this.tok = Tok.Boolean;
      this.bool = true;
      this.pos += 4;
      return;
    }
    if (rest === 'false') {
      this.tok = Tok.Boolean;
      this.bool = false;
      this.pos += 5;
      return;
    }
    this.setError('invalid token');
  }

  private string(): void {
    const s = this.s;
    this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= s.length || s.charCodeAt(this.pos) === 0) return this.setError('unexpected end of string');
      const c = s[this.pos];
      if (c === '"') break;
      if (c !== '\\') {
        out += c;
        this.pos++;
        continue;
      }
      const e = s[this.pos + 1];
      switch (e) {
        case '"': case '\\': case '/': out += e; break;
        case 'b': out += '\b'; break;
        case 't': out += '\t'; break;
        case 'n': out += '\n'; break;
        case 'f': out += '\f'; break;
        case 'r': out += '\r'; break;
        case 'u': {
          const u = this.unicode();
          if (u === null) return this.setError('invalid unicode escape code');
          out += u;
          continue;
        }
        default:
          return this.setError('invalid escape code');
      }
      this.pos += 2;
    }
    this.pos++;
    this.tok = Tok.String;
    this.str = out;
  }

  private hex4(at: number): number {
    const h = this.s.slice(at, at + 4);
    return /^[0-9a-fA-F]{4}$/.test(h) ? parseInt(h, 16) : -1;
  }

  /** A \uXXXX escape (or a surrogate pair) as UTF-8 bytes; advances past it. */
  private unicode(): string | null {
    let cp = this.hex4(this.pos + 2);
    if (cp < 0) return null;
    let len = 6;
    if ((cp & 0xf800) === 0xd800) {
      if (cp & 0x400) return null;
      if (this.s[this.pos + 6] !== '\\' || this.s[this.pos + 7] !== 'u') return null;
      const low = this.hex4(this.pos + 8);
      if (low < 0 || (low & 0xfc00) !== 0xdc00) return null;
      cp = (((cp & 0x3ff) << 10) | (low & 0x3ff)) + 0x10000;
      len = 12;
    }
    this.pos += len;
    return Buffer.from(String.fromCodePoint(cp), 'utf8').latin1Slice();
  }

  fail(expected: string): never {
    const found = this.tok === Tok.Error ? this.err : TOKEN_NAMES[this.tok];
    return luaError(this.lua, `Expected ${expected} but found ${found} at character ${this.tokIndex + 1}`);
  }

  private descend(slots: number): void {
    this.depth++;
    if (this.depth <= this.cfg.decodeMaxDepth && this.lua.checkstack(slots)) return;
    luaError(this.lua, `Found too many nested data structures (${this.depth}) at character ${this.pos}`);
  }

  private cur(): Tok {
    return this.tok;
  }

  value(): void {
    const lua = this.lua;
    switch (this.tok) {
      case Tok.String: lua.pushstring(this.str); return;
      case Tok.Number: lua.pushnumber(this.num); return;
      case Tok.Boolean: lua.pushboolean(this.bool); return;
      case Tok.Null: lua.m._lua_pushlightuserdata(lua.L, 0); return;
      case Tok.ObjBegin: {
        this.descend(3);
        lua.newtable();
        this.next();
        if (this.cur() === Tok.ObjEnd) {
          this.depth--;
          return;
        }
        for (;;) {
          if (this.cur() !== Tok.String) this.fail('object key string');
          lua.pushstring(this.str);
          this.next();
          if (this.cur() !== Tok.Colon) this.fail('colon');
          this.next();
          this.value();
          lua.rawset(-3);
          this.next();
          if (this.cur() === Tok.ObjEnd) {
            this.depth--;
            return;
          }
          if (this.cur() !== Tok.Comma) this.fail('comma or object end');
          this.next();
        }
      }
      case Tok.ArrBegin: {
        this.descend(2);
        lua.newtable();
        this.next();
        if (this.cur() === Tok.ArrEnd) {
          this.depth--;
          return;
        }
        for (let i = 1; ; i++) {
          this.value();
          lua.rawseti(-2, i);
          this.next();
          if (this.cur() === Tok.ArrEnd) {
            this.depth--;
            return;
          }
          if (this.cur() !== Tok.Comma) this.fail('comma or array end');
          this.next();
        }
      }
      default:
        this.fail('value');
    }
  }
}

function installCjson(lua: LuaState): void {
  const cfg = defaultConfig();
  lua.newtable();
  const fn = (name: string, f: () => number): void => {
    lua.pushcfunction(lua.cfunction(f));
    lua.setfield(-2, name);
  };
  fn('encode', () => {
    if (lua.top() !== 1) argError(lua, 1, 'expected 1 argument');
    const out = encodeValue(lua, cfg, 0);
    lua.pushstring(out);
    return 1;
  });
  fn('decode', () => {
    if (lua.top() !== 1) argError(lua, 1, 'expected 1 argument');
    if (!lua.isstring(1)) argError(lua, 1, `string expected, got ${lua.type(1) === LuaType.None ? 'no value' : typeName(lua, 1)}`);
    const s = lua.tostring(1)!;
    if (s.length >= 2 && (s.charCodeAt(0) === 0 || s.charCodeAt(1) === 0)) luaError(lua, 'JSON parser does not support UTF-16 or UTF-32');
    const p = new JsonParser(lua, s, cfg);
    p.next();
    p.value();
    p.next();
    if (p.tok !== Tok.End) p.fail('the end');
    return 1;
  });
  // The configuration functions: each returns the setting, after changing it when given.
  const args = (n: number): void => {
    if (lua.top() > n) argError(lua, n + 1, 'found too many arguments');
    lua.settop(n);
  };
  const intOption = (i: number, min: number, max: number, current: number): number => {
    if (lua.type(i) === LuaType.Nil) return current;
    const v = lua.tonumber(i);
    if (!lua.isnumber(i) || Math.trunc(v) !== v || v < min || v > max) argError(lua, i, `expected integer between ${min} and ${max}`);
    return v;
  };
  const boolOption = (i: number, current: boolean): boolean => {
    if (lua.type(i) === LuaType.Nil) return current;
    if (lua.type(i) === LuaType.Boolean) return lua.toboolean(i);
    const s = lua.isstring(i) ? lua.tostring(i) : null;
    if (s === 'on') return true;
    if (s === 'off') return false;
    return argError(lua, i, 'invalid option');
  };
  fn('encode_max_depth', () => {
    args(1);
    cfg.encodeMaxDepth = intOption(1, 1, 2147483647, cfg.encodeMaxDepth);
    lua.pushnumber(cfg.encodeMaxDepth);
    return 1;
  });
  fn('decode_max_depth', () => {
    args(1);
    cfg.decodeMaxDepth = intOption(1, 1, 2147483647, cfg.decodeMaxDepth);
    lua.pushnumber(cfg.decodeMaxDepth);
    return 1;
  });
  fn('encode_number_precision', () => {
    args(1);
    cfg.encodeNumberPrecision = intOption(1, 1, 14, cfg.encodeNumberPrecision);
    lua.pushnumber(cfg.encodeNumberPrecision);
    return 1;
  });
  fn('encode_keep_buffer', () => {
    args(1);
    cfg.keepBuffer = boolOption(1, cfg.keepBuffer);
    lua.pushboolean(cfg.keepBuffer);
    return 1;
  });
  fn('decode_invalid_numbers', () => {
    args(1);
    cfg.decodeInvalidNumbers = boolOption(1, cfg.decodeInvalidNumbers);
    lua.pushboolean(cfg.decodeInvalidNumbers);
    return 1;
  });
  fn('encode_invalid_numbers', () => {
    args(1);
    if (lua.type(1) !== LuaType.Nil) {
      if (lua.type(1) === LuaType.String && lua.tostring(1) === 'null') cfg.encodeInvalidNumbers = 2;
      else cfg.encodeInvalidNumbers = boolOption(1, cfg.encodeInvalidNumbers !== 0) ? 1 : 0;
    }
    if (cfg.encodeInvalidNumbers === 2) lua.pushstring('null');
    else lua.pushboolean(cfg.encodeInvalidNumbers === 1);
    return 1;
  });
  fn('encode_sparse_array', () => {
    args(3);
    cfg.sparseConvert = boolOption(1, cfg.sparseConvert);
    cfg.sparseRatio = intOption(2, 0, 2147483647, cfg.sparseRatio);
    cfg.sparseSafe = intOption(3, 0, 2147483647, cfg.sparseSafe);
    lua.pushboolean(cfg.sparseConvert);
    lua.pushnumber(cfg.sparseRatio);
    lua.pushnumber(cfg.sparseSafe);
    return 3;
  });
  lua.m._lua_pushlightuserdata(lua.L, 0);
  lua.setfield(-2, 'null');
  lua.pushstring('cjson');
  lua.setfield(-2, '_NAME');
  lua.pushstring('2.1.0');
  lua.setfield(-2, '_VERSION');
  lua.setglobal('cjson');
}

// ---- bit ----

/** LuaBitOp's argument normalization: the number rounded, modulo 2^32, as a signed int. */
function bitArg(lua: LuaState, i: number): number {
  const n = lua.tonumber(i);
  if (n === 0 && !lua.isnumber(i)) argError(lua, i, `number expected, got ${lua.type(i) === LuaType.None ? 'no value' : typeName(lua, i)}`);
  const r = n + 6755399441055744.0 - 6755399441055744.0;
  if (Math.abs(r) < 2 ** 31) return r | 0;
  return Number(BigInt.asIntN(32, BigInt(Math.trunc(Number.isFinite(r) ? r : 0))));
}

function installBit(lua: LuaState): void {
  lua.newtable();
  const fn = (name: string, f: () => number): void => {
    lua.pushcfunction(lua.cfunction(f));
    lua.setfield(-2, name);
  };
  const ret = (v: number): number => {
    lua.pushnumber(v | 0);
    return 1;
  };
  const fold = (name: string, op: (a: number, b: number) => number): void =>
    fn(name, () => {
      let acc = bitArg(lua, 1);
      for (let i = lua.top(); i > 1; i--) acc = op(acc, bitArg(lua, i));
      return ret(acc);
    });
  fn('tobit', () => ret(bitArg(lua, 1)));
  fn('bnot', () => ret(~bitArg(lua, 1)));
  fold('band', (a, b) => a & b);
  fold('bor', (a, b) => a | b);
  fold('bxor', (a, b) => a ^ b);
  fn('lshift', () => ret(bitArg(lua, 1) << (bitArg(lua, 2) & 31)));
  fn('rshift', () => ret(bitArg(lua, 1) >>> (bitArg(lua, 2) & 31)));
  fn('arshift', () => ret(bitArg(lua, 1) >> (bitArg(lua, 2) & 31)));
  fn('rol', () => {
    const b = bitArg(lua, 1);
    const n = bitArg(lua, 2) & 31;
    return ret((b << n) | (b >>> (32 - n)));
  });
  fn('ror', () => {
    const b = bitArg(lua, 1);
    const n = bitArg(lua, 2) & 31;
    return ret((b >>> n) | (b << (32 - n)));
  });
  fn('bswap', () => {
    const b = bitArg(lua, 1);
    return ret(((b >>> 24) & 0xff) | ((b >>> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24));
  });
  fn('tohex', () => {
    let b = bitArg(lua, 1) >>> 0;
    let n = lua.type(2) <= LuaType.Nil ? 8 : bitArg(lua, 2);
    let digits = '0123456789abcdef';
    if (n < 0) {
      n = -n;
      digits = '0123456789ABCDEF';
    }
    if (n > 8) n = 8;
    let out = '';
    for (let i = 0; i < n; i++) {
      out = digits[b & 15] + out;
      b >>>= 4;
    }
    lua.pushstring(out);
    return 1;
  });
  lua.setglobal('bit');
}

// ---- cmsgpack ----

const MSGPACK_MAX_NESTING = 16;

class ByteSink {
  buf = Buffer.allocUnsafe(256);
  len = 0;
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b & 0xff;
  }
  bytes(...bs: number[]): void {
    for (const b of bs) this.byte(b);
  }
  latin1(s: string): void {
    this.ensure(s.length);
    this.buf.latin1Write(s, this.len);
    this.len += s.length;
  }
  /** Appends an n-byte field that `write` puts at the offset it is given (Buffer's writeXxx). */
  fixed(n: number, write: (buf: Buffer, at: number) => unknown): void {
    this.ensure(n);
    write(this.buf, this.len);
    this.len += n;
  }
}

function mpInt(out: ByteSink, n: bigint): void {
  if (n >= 0n) {
    if (n <= 127n) out.byte(Number(n));
    else if (n <= 0xffn) out.bytes(0xcc, Number(n));
    else if (n <= 0xffffn) out.bytes(0xcd, Number(n >> 8n), Number(n & 0xffn));
    else if (n <= 0xffffffffn) {
      out.byte(0xce);
      out.fixed(4, (b, at) => b.writeUInt32BE(Number(n), at));
    } else {
      out.byte(0xcf);
      out.fixed(8, (b, at) => b.writeBigUInt64BE(n, at));
    }
  } else if (n >= -32n) out.byte(Number(n) & 0xff);
  else if (n >= -128n) out.bytes(0xd0, Number(n) & 0xff);
  else if (n >= -32768n) out.bytes(0xd1, (Number(n) >> 8) & 0xff, Number(n) & 0xff);
  else if (n >= -2147483648n) {
    out.byte(0xd2);
    out.fixed(4, (b, at) => b.writeInt32BE(Number(n), at));
  } else {
    out.byte(0xd3);
    out.fixed(8, (b, at) => b.writeBigInt64BE(n, at));
  }
}

/** A length header: fix|n, or op8 (when the type has one), op16 or op32 and the length. */
function mpHeader(out: ByteSink, n: number, fix: number, fixMax: number, op16: number, op32: number, op8 = -1): void {
  if (n <= fixMax) out.byte(fix | n);
  else if (op8 >= 0 && n <= 0xff) out.bytes(op8, n);
  else if (n <= 0xffff) out.bytes(op16, n >> 8, n & 0xff);
  else {
    out.byte(op32);
    out.fixed(4, (b, at) => b.writeUInt32BE(n, at));
  }
}

/** Encodes the value on top of the stack and pops it (mp_encode_lua_type). */
function mpEncode(lua: LuaState, out: ByteSink, level: number): void {
  let t = lua.type(-1);
  if (t === LuaType.Table && level === MSGPACK_MAX_NESTING) t = LuaType.Nil;
  switch (t) {
    case LuaType.String: {
      const s = lua.tostring(-1)!;
      mpHeader(out, s.length, 0xa0, 31, 0xda, 0xdb, 0xd9);
      out.latin1(s);
      break;
    }
    case LuaType.Boolean:
      out.byte(lua.toboolean(-1) ? 0xc3 : 0xc2);
      break;
    case LuaType.Number: {
      const d = lua.tonumber(-1);
      if (Number.isInteger(d) && d >= -9223372036854775808 && d < 9223372036854775808) {
        mpInt(out, BigInt(d));
      } else if (Math.fround(d) === d) {
        out.byte(0xca);
        out.fixed(4, (b, at) => b.writeFloatBE(d, at));
      } else {
        out.byte(0xcb);
        out.fixed(8, (b, at) => b.writeDoubleBE(d, at));
      }
      break;
    }
    case LuaType.Table: {
      if (!lua.checkstack(3)) luaError(lua, 'stack overflow (in function mp_encode_lua_table)');
      // An array: only keys 1..N (int-sized), no holes.
      let count = 0;
      let max = 0;
      let isArray = true;
      lua.pushnil();
      while (lua.next(-2)) {
        lua.pop(1);
        const k = lua.type(-1) === LuaType.Number ? lua.tonumber(-1) : NaN;
        if (!(k > 0) || (k | 0) !== k) {
          lua.pop(1);
          isArray = false;
          break;
        }
        if (k > max) max = k;
        count++;
      }
      if (isArray && max === count) {
        const len = lua.m._lua_objlen(lua.L, -1) as number;
        mpHeader(out, len, 0x90, 15, 0xdc, 0xdd);
        for (let j = 1; j <= len; j++) {
          lua.pushnumber(j);
          lua.m._lua_gettable(lua.L, -2);
          mpEncode(lua, out, level + 1);
        }
      } else {
        let len = 0;
        lua.pushnil();
        while (lua.next(-2)) {
          lua.pop(1);
          len++;
        }
        mpHeader(out, len, 0x80, 15, 0xde, 0xdf);
        lua.pushnil();
        while (lua.next(-2)) {
          lua.pushvalue(-2);
          mpEncode(lua, out, level + 1);
          mpEncode(lua, out, level + 1);
        }
      }
      break;
    }
    default:
      out.byte(0xc0);
  }
  lua.pop(1);
}

const MP_EOF = 1;
const MP_BADFMT = 2;

/** Decodes one value at `pos` and pushes it; returns the new position, or -MP_EOF/-MP_BADFMT. */
function mpDecode(lua: LuaState, b: Buffer, pos: number): number {
  const left = b.length - pos;
  if (left < 1) return -MP_EOF;
  if (!lua.checkstack(1)) luaError(lua, 'stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)');
  const need = (n: number) => left >= n;
  const c = b[pos];
  const str = (start: number, len: number): number => {
    if (b.length - start < len) return -MP_EOF;
    lua.pushstring(b.latin1Slice(start, start + len));
    return start + len;
  };
  const array = (start: number, len: number): number => {
    lua.newtable();
    if (!lua.checkstack(1)) luaError(lua, 'stack overflow (in function mp_decode_to_lua_array)');
    let p = start;
    for (let i = 1; i <= len; i++) {
      lua.pushnumber(i);
      p = mpDecode(lua, b, p);
      if (p < 0) return p;
      lua.settable(-3);
    }
    return p;
  };
  const hash = (start: number, len: number): number => {
    lua.newtable();
    let p = start;
    for (let i = 0; i < len; i++) {
      p = mpDecode(lua, b, p);
      if (p < 0) return p;
      p = mpDecode(lua, b, p);
      if (p < 0) return p;
      lua.settable(-3);
    }
    return p;
  };
  switch (c) {
    case 0xcc: if (!need(2)) return -MP_EOF; lua.pushnumber(b[pos + 1]); return pos + 2;
    case 0xd0: if (!need(2)) return -MP_EOF; lua.pushnumber(b.readInt8(pos + 1)); return pos + 2;
    case 0xcd: if (!need(3)) return -MP_EOF; lua.pushnumber(b.readUInt16BE(pos + 1)); return pos + 3;
    case 0xd1: if (!need(3)) return -MP_EOF; lua.pushnumber(b.readInt16BE(pos + 1)); return pos + 3;
    case 0xce: if (!need(5)) return -MP_EOF; lua.pushnumber(b.readUInt32BE(pos + 1)); return pos + 5;
    case 0xd2: if (!need(5)) return -MP_EOF; lua.pushnumber(b.readInt32BE(pos + 1)); return pos + 5;
    // (lua_pushinteger of a 64-bit value: an unsigned one above 2^63 wraps to negative.)
    case 0xcf: if (!need(9)) return -MP_EOF; lua.pushnumber(Number(b.readBigInt64BE(pos + 1))); return pos + 9;
    case 0xd3: if (!need(9)) return -MP_EOF; lua.pushnumber(Number(b.readBigInt64BE(pos + 1))); return pos + 9;
    case 0xc0: lua.pushnil(); return pos + 1;
    case 0xc3: lua.pushboolean(true); return pos + 1;
    case 0xc2: lua.pushboolean(false); return pos + 1;
    case 0xca: if (!need(5)) return -MP_EOF; lua.pushnumber(b.readFloatBE(pos + 1)); return pos + 5;
    case 0xcb: if (!need(9)) return -MP_EOF; lua.pushnumber(b.readDoubleBE(pos + 1)); return pos + 9;
    case 0xd9: if (!need(2)) return -MP_EOF; return str(pos + 2, b[pos + 1]);
    case 0xda: if (!need(3)) return -MP_EOF; return str(pos + 3, b.readUInt16BE(pos + 1));
    case 0xdb: if (!need(5)) return -MP_EOF; return str(pos + 5, b.readUInt32BE(pos + 1));
    case 0xdc: if (!need(3)) return -MP_EOF; return array(pos + 3, b.readUInt16BE(pos + 1));
    case 0xdd: if (!need(5)) return -MP_EOF; return array(pos + 5, b.readUInt32BE(pos + 1));
    case 0xde: if (!need(3)) return -MP_EOF; return hash(pos + 3, b.readUInt16BE(pos + 1));
    case 0xdf: if (!need(5)) return -MP_EOF; return hash(pos + 5, b.readUInt32BE(pos + 1));
  }
  if ((c & 0x80) === 0) {
    lua.pushnumber(c);
    return pos + 1;
  }
  if ((c & 0xe0) === 0xe0) {
    lua.pushnumber(c - 256);
    return pos + 1;
  }
  if ((c & 0xe0) === 0xa0) return str(pos + 1, c & 0x1f);
  if ((c & 0xf0) === 0x90) return array(pos + 1, c & 0xf);
  if ((c & 0xf0) === 0x80) return hash(pos + 1, c & 0xf);
  return -MP_BADFMT;
}

function checkInteger(lua: LuaState, i: number): number {
  const n = lua.tonumber(i);
  if (n === 0 && !lua.isnumber(i)) argError(lua, i, `number expected, got ${lua.type(i) === LuaType.None ? 'no value' : typeName(lua, i)}`);
  return Math.trunc(n);
}

function optInteger(lua: LuaState, i: number, def: number): number {
  return lua.type(i) <= LuaType.Nil ? def : checkInteger(lua, i);
}

/** mp_unpack_full: the string is argument 1, alone on the stack. */
function mpUnpack(lua: LuaState, limit: number, offset: number): number {
  if (!lua.isstring(1)) argError(lua, 1, `string expected, got ${lua.type(1) === LuaType.None ? 'no value' : typeName(lua, 1)}`);
  const b = Buffer.from(lua.tostring(1)!, 'latin1');
  const decodeAll = limit === 0 && offset === 0;
  if (offset < 0 || limit < 0) luaError(lua, `Invalid request to unpack with offset of ${offset} and limit of ${b.length}.`);
  else if (offset > b.length) luaError(lua, `Start offset ${offset} greater than input length ${b.length}.`);
  if (decodeAll) limit = 2147483647;
  let pos = offset;
  let cnt = 0;
  for (; pos < b.length && cnt < limit; cnt++) {
    const next = mpDecode(lua, b, pos);
    if (next === -MP_EOF) luaError(lua, 'Missing bytes in input.');
    if (next === -MP_BADFMT) luaError(lua, 'Bad data format in input.');
    pos = next;
  }
  if (!decodeAll) {
    lua.pushnumber(pos >= b.length ? -1 : pos);
    lua.insert(2);
    cnt++;
  }
  return cnt;
}

function installCmsgpack(lua: LuaState): void {
  lua.newtable();
  const fn = (name: string, f: () => number): void => {
    lua.pushcfunction(lua.cfunction(f));
    lua.setfield(-2, name);
  };
  fn('pack', () => {
    const nargs = lua.top();
    if (nargs === 0) argError(lua, 0, 'MessagePack pack needs input.');
    if (!lua.checkstack(nargs)) argError(lua, 0, 'Too many arguments for MessagePack pack.');
    const out = new ByteSink();
    for (let i = 1; i <= nargs; i++) {
      lua.pushvalue(i);
      mpEncode(lua, out, 0);
    }
    lua.pushbytes(out.buf.subarray(0, out.len));
    return 1;
  });
  fn('unpack', () => mpUnpack(lua, 0, 0));
  fn('unpack_one', () => {
    const offset = optInteger(lua, 2, 0);
    lua.settop(1);
    return mpUnpack(lua, 1, offset);
  });
  fn('unpack_limit', () => {
    const limit = checkInteger(lua, 2);
    const offset = optInteger(lua, 3, 0);
    lua.settop(1);
    return mpUnpack(lua, limit, offset);
  });
  const str = (k: string, v: string) => {
    lua.pushstring(v);
    lua.setfield(-2, k);
  };
  str('_NAME', 'cmsgpack');
  str('_VERSION', 'lua-cmsgpack 0.4.0');
  str('_COPYRIGHT', 'Copyright (C) 2012, Salvatore Sanfilippo');
  str('_DESCRIPTION', 'MessagePack C implementation for Lua');
  lua.setglobal('cmsgpack');
}

// ---- struct ----

/** The format state of struct.pack/unpack/size: byte order and maximum alignment. */
interface StructHeader {
  little: boolean;
  align: number;
}

const STRUCT_MAXINTSIZE = 32;
/** The largest alignment on the platform Redis runs on (x86-64: a double's). */
const STRUCT_MAXALIGN = 8;

class StructFormat {
  i = 0;
  constructor(readonly lua: LuaState, readonly fmt: string) {}

  get done(): boolean {
    return this.i >= this.fmt.length;
  }

  next(): string {
    return this.fmt[this.i++];
  }

  /** A number following an option (the default when there is none). */
  num(df: number): number {
    const f = this.fmt;
    if (!(f[this.i] >= '0' && f[this.i] <= '9')) return df;
    let a = 0;
    do {
      const dgt = f.charCodeAt(this.i) - 48;
      if (a > Math.floor(2147483647 / 10) || a * 10 > 2147483647 - dgt) luaError(this.lua, 'integral size overflow');
      a = a * 10 + dgt;
      this.i++;
    } while (f[this.i] >= '0' && f[this.i] <= '9');
    return a;
  }

  /** The size of an option (and its count, for c and i). */
  size(opt: string): number {
    switch (opt) {
      case 'B': case 'b': return 1;
      case 'H': case 'h': return 2;
      case 'L': case 'l': case 'T': return 8;
      case 'f': return 4;
      case 'd': return 8;
      case 'x': return 1;
      case 'c': return this.num(1);
      case 'i': case 'I': {
        const sz = this.num(4);
        if (sz > STRUCT_MAXINTSIZE) luaError(this.lua, `integral size ${sz} is larger than limit of ${STRUCT_MAXINTSIZE}`);
        return sz;
      }
      default: return 0;
    }
  }

  control(opt: string, h: StructHeader): void {
    switch (opt) {
      case ' ': return;
      case '>': h.little = false; return;
      case '<': h.little = true; return;
      case '!': {
        const a = this.num(STRUCT_MAXALIGN);
        if (!(a > 0 && (a & (a - 1)) === 0)) luaError(this.lua, `alignment ${a} is not a power of 2`);
        h.align = a;
        return;
      }
      default:
        argError(this.lua, 1, `invalid format option '${opt}'`);
    }
  }
}

function structAlign(len: number, h: StructHeader, opt: string, size: number): number {
  if (size === 0 || opt === 'c') return 0;
  if (size > h.align) size = h.align;
  return (size - (len & (size - 1))) & (size - 1);
}

function checkNumber(lua: LuaState, i: number): number {
  const n = lua.tonumber(i);
  if (n === 0 && !lua.isnumber(i)) argError(lua, i, `number expected, got ${lua.type(i) === LuaType.None ? 'no value' : typeName(lua, i)}`);
  return n;
}

function checkString(lua: LuaState, i: number): string {
  const s = lua.isstring(i) ? lua.tostring(i) : null;
  if (s === null) argError(lua, i, `string expected, got ${lua.type(i) === LuaType.None ? 'no value' : typeName(lua, i)}`);
  return s;
}

/** A format string as C sees it: up to its first NUL. */
function cFormat(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

function installStruct(lua: LuaState): void {
  lua.newtable();
  const fn = (name: string, f: () => number): void => {
    lua.pushcfunction(lua.cfunction(f));
    lua.setfield(-2, name);
  };
  fn('pack', () => {
    const f = new StructFormat(lua, cFormat(checkString(lua, 1)));
    const h: StructHeader = { little: true, align: 1 };
    // (A nil after the arguments, as the C version leaves there: a missing one is "nil".)
    lua.pushnil();
    let arg = 2;
    let total = 0;
    const out = new ByteSink();
    while (!f.done) {
      const opt = f.next();
      let size = f.size(opt);
      let pad = structAlign(total, h, opt, size);
      total += pad;
      while (pad-- > 0) out.byte(0);
      switch (opt) {
        case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I': {
          const n = checkNumber(lua, arg++);
          let v = BigInt.asUintN(64, BigInt(Math.trunc(Number.isFinite(n) ? n : 0)));
          const bytes = new Array<number>(size).fill(0);
          for (let k = 0; k < size; k++) {
            bytes[h.little ? k : size - 1 - k] = Number(v & 0xffn);
            v >>= 8n;
          }
          out.bytes(...bytes);
          break;
        }
        case 'x':
          out.byte(0);
          break;
        case 'f': {
          const n = checkNumber(lua, arg++);
          out.fixed(4, (b, at) => (h.little ? b.writeFloatLE(n, at) : b.writeFloatBE(n, at)));
          break;
        }
        case 'd': {
          const n = checkNumber(lua, arg++);
          out.fixed(8, (b, at) => (h.little ? b.writeDoubleLE(n, at) : b.writeDoubleBE(n, at)));
          break;
        }
        case 'c': case 's': {
          const str = checkString(lua, arg++);
          if (size === 0) size = str.length;
          if (str.length < size) argError(lua, arg, 'string too short');
          out.latin1(str.slice(0, size));
          if (opt === 's') {
            out.byte(0);
            size++;
          }
          break;
        }
        default:
          f.control(opt, h);
      }
      total += size;
    }
    lua.pushbytes(out.buf.subarray(0, out.len));
    return 1;
  });
  fn('unpack', () => {
    const f = new StructFormat(lua, cFormat(checkString(lua, 1)));
    const data = Buffer.from(checkString(lua, 2), 'latin1');
    const ld = data.length;
    let pos = lua.type(3) <= LuaType.Nil ? 1 : Math.trunc(checkNumber(lua, 3));
    if (!(pos > 0)) argError(lua, 3, 'offset must be 1 or greater');
    pos--;
    const h: StructHeader = { little: true, align: 1 };
    let n = 0;
    while (!f.done) {
      const opt = f.next();
      let size = f.size(opt);
      pos += structAlign(pos, h, opt, size);
      if (!(size <= ld && pos <= ld - size)) argError(lua, 2, 'data string too short');
      if (!lua.checkstack(2)) luaError(lua, 'stack overflow (too many results)');
      switch (opt) {
        case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I': {
          let l = 0n;
          for (let k = 0; k < size; k++) l = BigInt.asUintN(64, (l << 8n) | BigInt(data[h.little ? pos + size - 1 - k : pos + k]));
          let v: number;
          if (opt === opt.toUpperCase()) v = Number(l);
          else {
            const bits = size * 8;
            v = bits >= 64 || bits === 0 ? Number(BigInt.asIntN(64, l)) : Number(BigInt.asIntN(64, (l & (1n << BigInt(bits - 1))) !== 0n ? l | (BigInt.asUintN(64, -1n) << BigInt(bits - 1)) : l));
          }
          lua.pushnumber(v);
          n++;
          break;
        }
        case 'x':
          break;
        case 'f':
          lua.pushnumber(h.little ? data.readFloatLE(pos) : data.readFloatBE(pos));
          n++;
          break;
        case 'd':
          lua.pushnumber(h.little ? data.readDoubleLE(pos) : data.readDoubleBE(pos));
          n++;
          break;
        case 'c': {
          if (size === 0) {
            if (n === 0 || !lua.isnumber(-1)) luaError(lua, "format 'c0' needs a previous size");
            size = lua.tonumber(-1);
            lua.pop(1);
            n--;
            if (!(size <= ld && pos <= ld - size)) argError(lua, 2, 'data string too short');
          }
          lua.pushstring(data.latin1Slice(pos, pos + size));
          n++;
          break;
        }
        case 's': {
          const e = data.indexOf(0, pos);
          if (e < 0) luaError(lua, 'unfinished string in data');
          size = e - pos + 1;
          lua.pushstring(data.latin1Slice(pos, e));
          n++;
          break;
        }
        default:
          f.control(opt, h);
      }
      pos += size;
    }
    lua.pushnumber(pos + 1);
    return n + 1;
  });
  fn('size', () => {
    const f = new StructFormat(lua, cFormat(checkString(lua, 1)));
    const h: StructHeader = { little: true, align: 1 };
    let pos = 0;
    while (!f.done) {
      const opt = f.next();
      const size = f.size(opt);
      pos += structAlign(pos, h, opt, size);
      if (opt === 's') argError(lua, 1, "option 's' has no fixed size");
      else if (opt === 'c' && size === 0) argError(lua, 1, "option 'c0' has no fixed size");
      if (!/[A-Za-z0-9]/.test(opt)) f.control(opt, h);
      pos += size;
    }
    lua.pushnumber(pos);
    return 1;
  });
  lua.setglobal('struct');
}

export function installLibraries(lua: LuaState): void {
  installCjson(lua);
  installBit(lua);
  installCmsgpack(lua);
  installStruct(lua);
}
