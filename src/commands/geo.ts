// The geo family: points stored in sorted sets with geohash scores. GEOADD, GEOPOS, GEODIST,
// GEOHASH, GEOSEARCH, GEOSEARCHSTORE, GEORADIUS, GEORADIUSBYMEMBER and their _RO forms.

import { Notify } from '../config/settings.js';
import { DoubleReply, err, Errors, NIL_ARRAY, type Reply } from '../resp/reply.js';
import type { Client } from '../server/client.js';
import {
  GEO_LAT_MAX, GEO_LAT_MIN, GEO_LONG_MAX, GEO_LONG_MIN, cellScoreRange, decodeScore, distance,
  distanceInShape, geoScore, searchCells, standardGeohash, type Shape,
} from '../types/geohash.js';
import { ZAddIn, ZSet } from '../types/zset.js';
import { formatFixed, parseDouble, parseInt64 } from '../util/numbers.js';
import { isToken } from './args.js';
import type { Family } from './command.js';
import { maxListpackEntries, maxListpackValue, readZset, zaddApply } from './zsets.js';

// ---- Formatting ----

/** Redis's fixedpoint_d2string(d, 4): llrint(d * 10000) (ties to even) shown with 4 decimals. */
export function formatDistance(d: number): string {
  if (d === 0) return '0.0000';
  const v = d * 10000;
  let r = Math.floor(v);
  const diff = v - r;
  if (diff > 0.5 || (diff === 0.5 && r % 2 !== 0)) r += 1;
  const neg = r < 0;
  let digits = (neg ? -r : r).toString();
  if (digits.indexOf('e') >= 0) digits = BigInt(neg ? -r : r).toString();
  if (digits.length <= 4) digits = '0'.repeat(5 - digits.length) + digits;
  return (neg ? '-' : '') + digits.slice(0, -4) + '.' + digits.slice(-4);
}

/** Redis's human-friendly long double (`%.17Lf`, trailing zeros and dot removed, -0 as 0). */
export function formatCoordinate(x: number): string {
  let s = formatFixed(x, 17);
  if (s.indexOf('.') >= 0) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

function coordinateReply(x: number): DoubleReply {
  return new DoubleReply(x, formatCoordinate(x));
}

// ---- Arguments ----

/** A longitude, latitude pair, validated against the geohash limits. */
function lonLatArgs(lonArg: string, latArg: string): [number, number] {
  const lon = parseDouble(lonArg);
  if (lon === undefined) err(Errors.notFloat);
  const lat = parseDouble(latArg);
  if (lat === undefined) err(Errors.notFloat);
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    err(`ERR invalid longitude,latitude pair ${formatFixed(lon, 6)},${formatFixed(lat, 6)}`);
  }
  return [lon, lat];
}

/** Meters per unit. */
function unitArg(u: string): number {
  if (isToken(u, 'M')) return 1;
  if (isToken(u, 'KM')) return 1000;
  if (isToken(u, 'FT')) return 0.3048;
  if (isToken(u, 'MI')) return 1609.34;
  return err('ERR unsupported unit provided. please use M, KM, FT, MI');
}

function radiusArgs(shape: Shape, radiusArg: string, unit: string): void {
  const r = parseDouble(radiusArg);
  if (r === undefined) err('ERR need numeric radius');
  if (r < 0) err('ERR radius cannot be negative');
  shape.radius = r;
  shape.conversion = unitArg(unit);
}

function boxArgs(shape: Shape, widthArg: string, heightArg: string, unit: string): void {
  const w = parseDouble(widthArg);
  if (w === undefined) err('ERR need numeric width');
  const h = parseDouble(heightArg);
  if (h === undefined) err('ERR need numeric height');
  if (h < 0 || w < 0) err('ERR height or width cannot be negative');
  shape.width = w;
  shape.height = h;
  shape.conversion = unitArg(unit);
}

/** A member's position; the "could not decode" error when absent. */
function memberPosition(z: ZSet, member: string): [number, number] {
  const s = z.score(member);
  if (s === undefined) err('ERR could not decode requested zset member');
  return decodeScore(s);
}

// ---- GEOADD ----

function geoadd(c: Client, argv: string[]): Reply {
  let xx = false;
  let nx = false;
  let longIdx = 2;
  while (longIdx < argv.length) {
    const o = argv[longIdx];
    if (isToken(o, 'NX')) nx = true;
    else if (isToken(o, 'XX')) xx = true;
    else if (!isToken(o, 'CH')) break;
    longIdx++;
  }
  if ((argv.length - longIdx) % 3 !== 0 || (xx && nx)) err(Errors.syntax);
  const n = (argv.length - longIdx) / 3;
  const scores: number[] = new Array(n);
  const zaddArgv: string[] = ['zadd'];
  for (let i = 1; i < longIdx; i++) zaddArgv.push(argv[i]);
  for (let i = 0; i < n; i++) {
    const [lon, lat] = lonLatArgs(argv[longIdx + i * 3], argv[longIdx + i * 3 + 1]);
    const score = geoScore(lon, lat)!;
    scores[i] = score;
    zaddArgv.push(String(score), argv[longIdx + i * 3 + 2]);
  }
  // GEOADD is a ZADD of geohash scores: options and replies are ZADD's, and so is propagation.
  let flags = 0;
  let ch = false;
  for (let i = 2; i < longIdx; i++) {
    if (isToken(argv[i], 'NX')) flags |= ZAddIn.NX;
    else if (isToken(argv[i], 'XX')) flags |= ZAddIn.XX;
    else ch = true;
  }
  c.propagateAs = [zaddArgv];
  return zaddApply(c, argv[1], flags, ch, scores, n, argv, longIdx + 2, 3);
}

// ---- GEOPOS, GEODIST, GEOHASH ----

function geopos(c: Client, argv: string[]): Reply {
  const z = readZset(c, argv[1]);
  const out: Reply[] = [];
  for (let j = 2; j < argv.length; j++) {
    const s = z === undefined ? undefined : z.score(argv[j]);
    if (s === undefined) {
      out.push(NIL_ARRAY);
      continue;
    }
    const [x, y] = decodeScore(s);
    out.push([coordinateReply(x), coordinateReply(y)]);
  }
  return out;
}

function geodist(c: Client, argv: string[]): Reply {
  let toMeter = 1;
  if (argv.length === 5) toMeter = unitArg(argv[4]);
  else if (argv.length > 5) err(Errors.syntax);
  const z = readZset(c, argv[1]);
  if (z === undefined) return null;
  const s1 = z.score(argv[2]);
  const s2 = s1 === undefined ? undefined : z.score(argv[3]);
  if (s1 === undefined || s2 === undefined) return null;
  const [x1, y1] = decodeScore(s1);
  const [x2, y2] = decodeScore(s2);
  return formatDistance(distance(x1, y1, x2, y2) / toMeter);
}

function geohash(c: Client, argv: string[]): Reply {
  const z = readZset(c, argv[1]);
  const out: Reply[] = [];
  for (let j = 2; j < argv.length; j++) {
    const s = z === undefined ? undefined : z.score(argv[j]);
    out.push(s === undefined ? null : standardGeohash(s));
  }
  return out;
}

// ---- Searches ----

const enum Search {
  /** GEORADIUS: center from arguments. */
  Coords = 1,
  /** GEORADIUSBYMEMBER: center from a member. */
  Member = 2,
  /** The _RO forms: no STORE/STOREDIST. */
  NoStore = 4,
  /** GEOSEARCH syntax. */
  GeoSearch = 8,
  /** GEOSEARCHSTORE. */
  GeoSearchStore = 16,
}

const enum Sort {
  None,
  Asc,
  Desc,
}

interface Found {
  member: string;
  score: number;
  x: number;
  y: number;
  dist: number;
}

/** Redis's georadiusGeneric: every search command. */
function geoSearch(c: Client, argv: string[], srcIdx: number, flags: number): Reply {
  let storeKey: string | null = null;
  let storeDist = false;
  const z = readZset(c, argv[srcIdx]);
  const shape: Shape = { box: false, lon: 0, lat: 0, conversion: 0, radius: 0, width: 0, height: 0 };
  let base: number;
  if (flags & Search.Coords) {
    base = 6;
    [shape.lon, shape.lat] = lonLatArgs(argv[2], argv[3]);
    radiusArgs(shape, argv[4], argv[5]);
  } else if (flags & Search.Member && z === undefined) {
    // No source: parse the options anyway, to know which empty reply to give.
    base = 5;
  } else if (flags & Search.Member) {
    base = 5;
    [shape.lon, shape.lat] = memberPosition(z!, argv[2]);
    radiusArgs(shape, argv[3], argv[4]);
  } else {
    base = 2;
    if (flags & Search.GeoSearchStore) {
      base = 3;
      storeKey = argv[1];
    }
  }

  let withDist = false;
  let withHash = false;
  let withCoords = false;
  let fromMember = false;
  let fromLoc = false;
  let byRadius = false;
  let byBox = false;
  let sort = Sort.None;
  let any = false;
  let count = 0;
  const remaining = argv.length - base;
  for (let i = 0; i < remaining; i++) {
    const a = argv[base + i];
    if (isToken(a, 'WITHDIST')) withDist = true;
    else if (isToken(a, 'WITHHASH')) withHash = true;
    else if (isToken(a, 'WITHCOORD')) withCoords = true;
    else if (isToken(a, 'ANY')) any = true;
    else if (isToken(a, 'ASC')) sort = Sort.Asc;
    else if (isToken(a, 'DESC')) sort = Sort.Desc;
    else if (isToken(a, 'COUNT') && i + 1 < remaining) {
      const v = parseInt64(argv[base + i + 1]);
      if (v === undefined) err(Errors.notInteger);
      if (v <= 0) err('ERR COUNT must be > 0');
      count = Number(v);
      i++;
    } else if (isToken(a, 'STORE') && i + 1 < remaining && !(flags & Search.NoStore) && !(flags & Search.GeoSearch)) {
      storeKey = argv[base + i + 1];
      storeDist = false;
      i++;
    } else if (isToken(a, 'STOREDIST') && i + 1 < remaining && !(flags & Search.NoStore) && !(flags & Search.GeoSearch)) {
      storeKey = argv[base + i + 1];
      storeDist = true;
      i++;
    } else if (isToken(a, 'STOREDIST') && flags & Search.GeoSearch && flags & Search.GeoSearchStore) {
      storeDist = true;
    } else if (isToken(a, 'FROMMEMBER') && i + 1 < remaining && flags & Search.GeoSearch && !fromLoc) {
      if (z !== undefined) [shape.lon, shape.lat] = memberPosition(z, argv[base + i + 1]);
      fromMember = true;
      i++;
    } else if (isToken(a, 'FROMLONLAT') && i + 2 < remaining && flags & Search.GeoSearch && !fromMember) {
      [shape.lon, shape.lat] = lonLatArgs(argv[base + i + 1], argv[base + i + 2]);
      fromLoc = true;
      i += 2;
    } else if (isToken(a, 'BYRADIUS') && i + 2 < remaining && flags & Search.GeoSearch && !byBox) {
      radiusArgs(shape, argv[base + i + 1], argv[base + i + 2]);
      shape.box = false;
      byRadius = true;
      i += 2;
    } else if (isToken(a, 'BYBOX') && i + 3 < remaining && flags & Search.GeoSearch && !byRadius) {
      boxArgs(shape, argv[base + i + 1], argv[base + i + 2], argv[base + i + 3]);
      shape.box = true;
      byBox = true;
      i += 3;
    } else {
      err(Errors.syntax);
    }
  }

  if (storeKey !== null && (withDist || withHash || withCoords)) {
    err(`ERR ${flags & Search.GeoSearchStore ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS'} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
  }
  if (flags & Search.GeoSearch && !(fromMember || fromLoc)) err(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${argv[0]}`);
  if (flags & Search.GeoSearch && !(byRadius || byBox)) err(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${argv[0]}`);
  if (any && !count) err('ERR the ANY argument requires COUNT argument');

  const db = c.db;
  if (z === undefined) {
    if (storeKey !== null) {
      if (db.delete(storeKey)) c.server.wrote(db, storeKey, Notify.Generic, 'del');
      return 0;
    }
    return [];
  }

  if (count !== 0 && sort === Sort.None && !any) sort = Sort.Asc;

  const found = pointsInShape(z, shape, any ? count : 0);
  if (found.length === 0 && storeKey === null) return [];

  const returned = count === 0 || found.length < count ? found.length : count;
  if (sort !== Sort.None) {
    // A stable sort (glibc's qsort is a merge sort in practice).
    if (sort === Sort.Asc) found.sort((a, b) => (a.dist > b.dist ? 1 : a.dist < b.dist ? -1 : 0));
    else found.sort((a, b) => (a.dist < b.dist ? 1 : a.dist > b.dist ? -1 : 0));
  }

  if (storeKey === null) {
    const options = (withDist ? 1 : 0) + (withCoords ? 1 : 0) + (withHash ? 1 : 0);
    const out: Reply[] = new Array(returned);
    for (let i = 0; i < returned; i++) {
      const p = found[i];
      const dist = p.dist / shape.conversion;
      if (options === 0) {
        out[i] = p.member;
        continue;
      }
      const item: Reply[] = [p.member];
      if (withDist) item.push(formatDistance(dist));
      if (withHash) item.push(Math.trunc(p.score));
      if (withCoords) item.push([coordinateReply(p.x), coordinateReply(p.y)]);
      out[i] = item;
    }
    return out;
  }

  if (returned > 0) {
    const dst = new ZSet(false);
    let maxLen = 0;
    let total = 0;
    for (let i = 0; i < returned; i++) {
      const p = found[i];
      const score = storeDist ? p.dist / shape.conversion : p.score;
      dst.insertNew(score, p.member);
      if (p.member.length > maxLen) maxLen = p.member.length;
      total += p.member.length;
    }
    dst.shrinkIfSmall(maxListpackEntries(c), maxListpackValue(c), maxLen, total);
    db.set(storeKey, dst);
    c.server.wrote(db, storeKey, Notify.Zset, flags & Search.GeoSearch ? 'geosearchstore' : 'georadiusstore');
    if (returned > 1) c.server.dirty += returned - 1;
  } else if (db.delete(storeKey)) {
    c.server.wrote(db, storeKey, Notify.Generic, 'del');
  }
  return returned;
}

/** Members inside the shape, cell by cell in Redis's order; stops at `limit` (ANY) when nonzero. */
function pointsInShape(z: ZSet, shape: Shape, limit: number): Found[] {
  const cells = searchCells(shape);
  const found: Found[] = [];
  let last = -1;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (cell === null) continue;
    // Huge radiuses can make neighbours repeat: skip a cell equal to the one processed before.
    if (last >= 0 && cell.bits === cells[last]!.bits && cell.step === cells[last]!.step) continue;
    if (found.length && limit && found.length >= limit) break;
    const [min, max] = cellScoreRange(cell);
    const start = z.firstInScoreRange({ min, max, minex: false, maxex: true });
    if (start >= 0) {
      z.walk(start, z.size, false, (member, score) => {
        if (score >= max) return false;
        const [x, y] = decodeScore(score);
        const d = distanceInShape(shape, x, y);
        if (d >= 0) found.push({ member, score, x, y, dist: d });
        if (found.length && limit && found.length >= limit) return false;
      });
    }
    last = i;
  }
  return found;
}

export const geo: Family = {
  geoadd: { run: geoadd },
  geopos: { run: geopos },
  geodist: { run: geodist },
  geohash: { run: geohash },
  georadius: { run: (c, argv) => geoSearch(c, argv, 1, Search.Coords) },
  georadius_ro: { run: (c, argv) => geoSearch(c, argv, 1, Search.Coords | Search.NoStore) },
  georadiusbymember: { run: (c, argv) => geoSearch(c, argv, 1, Search.Member) },
  georadiusbymember_ro: { run: (c, argv) => geoSearch(c, argv, 1, Search.Member | Search.NoStore) },
  geosearch: { run: (c, argv) => geoSearch(c, argv, 1, Search.GeoSearch) },
  geosearchstore: { run: (c, argv) => geoSearch(c, argv, 2, Search.GeoSearch | Search.GeoSearchStore) },
};
