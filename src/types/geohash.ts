// Geohashes as Redis computes them: longitude and latitude quantized to 26 bits each over
// [-180, 180] x [-85.05112878, 85.05112878] (the Web Mercator limits), interleaved into a
// 52-bit integer that is the member's sorted set score (latitude bits at even positions,
// longitude bits at odd ones). Searches cover the query shape with the cell of the center and
// its 8 neighbours at a precision estimated from the radius, then filter by haversine distance
// on Redis's earth radius. All arithmetic follows Redis's order of operations so that scores,
// distances and decoded coordinates match it bit for bit.

export const GEO_STEP_MAX = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;

const D_R = Math.PI / 180.0;
/** Earth's quadratic mean radius for WGS-84, as Redis uses it. */
export const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;

const TWO32 = 4294967296;

export interface Range {
  min: number;
  max: number;
}

export interface Area {
  lon: Range;
  lat: Range;
}

/** A hash of `step` bits per coordinate (bits may hold 2*step+1 bits after an increment). */
export interface HashBits {
  bits: bigint;
  step: number;
}

const WGS84_LON: Range = { min: GEO_LONG_MIN, max: GEO_LONG_MAX };
const WGS84_LAT: Range = { min: GEO_LAT_MIN, max: GEO_LAT_MAX };

// ---- Bit interleaving (32-bit halves, so plain numbers suffice) ----

/** Spreads the low 16 bits of v to the even bit positions of a 32-bit value. */
function spread16(v: number): number {
  v &= 0xffff;
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  v = (v | (v << 1)) & 0x55555555;
  return v;
}

/** Gathers the even bits of a 32-bit value into 16 bits. */
function squash32(v: number): number {
  v &= 0x55555555;
  v = (v | (v >>> 1)) & 0x33333333;
  v = (v | (v >>> 2)) & 0x0f0f0f0f;
  v = (v | (v >>> 4)) & 0x00ff00ff;
  v = (v | (v >>> 8)) & 0x0000ffff;
  return v;
}

/** x's bits at even positions, y's at odd positions (x, y < 2^32). */
export function interleave(x: number, y: number): bigint {
  const lo = (spread16(x) | (spread16(y) << 1)) >>> 0;
  const hi = (spread16(x >>> 16) | (spread16(y >>> 16) << 1)) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** The inverse of interleave on a 64-bit value given as two 32-bit halves: [even bits, odd bits]. */
function deinterleave(hi: number, lo: number): [number, number] {
  const x = (squash32(lo) | (squash32(hi) << 16)) >>> 0;
  const y = (squash32(lo >>> 1) | (squash32(hi >>> 1) << 16)) >>> 0;
  return [x, y];
}

// ---- Encoding and decoding ----

/** The hash of a point at `step` bits per coordinate over the given ranges; null when out of range. */
export function encode(lonRange: Range, latRange: Range, longitude: number, latitude: number, step: number): HashBits | null {
  if (longitude > GEO_LONG_MAX || longitude < GEO_LONG_MIN || latitude > GEO_LAT_MAX || latitude < GEO_LAT_MIN) return null;
  if (latitude < latRange.min || latitude > latRange.max || longitude < lonRange.min || longitude > lonRange.max) return null;
  let latOffset = (latitude - latRange.min) / (latRange.max - latRange.min);
  let lonOffset = (longitude - lonRange.min) / (lonRange.max - lonRange.min);
  latOffset *= 2 ** step;
  lonOffset *= 2 ** step;
  // C converts to uint32_t: truncation.
  return { bits: interleave(Math.trunc(latOffset) >>> 0, Math.trunc(lonOffset) >>> 0), step };
}

export function encodeWGS84(longitude: number, latitude: number, step: number): HashBits | null {
  return encode(WGS84_LON, WGS84_LAT, longitude, latitude, step);
}

/** The 52-bit score of a point (GEOADD), as the double Redis stores; null when out of range. */
export function geoScore(longitude: number, latitude: number): number | null {
  const h = encodeWGS84(longitude, latitude, GEO_STEP_MAX);
  return h === null ? null : Number(align52(h));
}

/** A hash's bits left-aligned to 52 bits (a score). */
export function align52(h: HashBits): bigint {
  return BigInt.asUintN(64, h.bits << BigInt(52 - h.step * 2));
}

/** The cell of a hash over the given ranges. */
function decodeArea(lonRange: Range, latRange: Range, hi: number, lo: number, step: number): Area {
  const [ilato, ilono] = deinterleave(hi, lo);
  const latScale = latRange.max - latRange.min;
  const lonScale = lonRange.max - lonRange.min;
  const div = 2 ** step;
  // (i + 1) is unsigned 32-bit arithmetic in C.
  return {
    lat: {
      min: latRange.min + (ilato / div) * latScale,
      max: latRange.min + (((ilato + 1) >>> 0) / div) * latScale,
    },
    lon: {
      min: lonRange.min + (ilono / div) * lonScale,
      max: lonRange.min + (((ilono + 1) >>> 0) / div) * lonScale,
    },
  };
}

export function decodeHash(h: HashBits): Area {
  const b = BigInt.asUintN(64, h.bits);
  return decodeArea(WGS84_LON, WGS84_LAT, Number(b >> 32n), Number(b & 0xffffffffn), h.step);
}

/** The center of a cell, clamped to the valid ranges: [longitude, latitude]. */
export function areaCenter(area: Area): [number, number] {
  let x = (area.lon.min + area.lon.max) / 2;
  if (x > GEO_LONG_MAX) x = GEO_LONG_MAX;
  if (x < GEO_LONG_MIN) x = GEO_LONG_MIN;
  let y = (area.lat.min + area.lat.max) / 2;
  if (y > GEO_LAT_MAX) y = GEO_LAT_MAX;
  if (y < GEO_LAT_MIN) y = GEO_LAT_MIN;
  return [x, y];
}

const TWO63 = 9223372036854775808;

/**
 * The 64-bit pattern C gets from `(uint64_t)score` on x86-64 (truncation; out-of-range values
 * give what the conversion instructions give), as two 32-bit halves.
 */
function scoreBits(score: number): [number, number] {
  if (score >= 0 && score < 9007199254740992 && Number.isInteger(score)) {
    return [Math.floor(score / TWO32), score % TWO32];
  }
  let v: bigint;
  if (score < TWO63) {
    // cvttsd2si: truncation, or 0x8000000000000000 when out of int64 range (and for NaN).
    v = score === score && score >= -TWO63 ? BigInt.asUintN(64, BigInt(Math.trunc(score))) : 1n << 63n;
  } else {
    v = score - TWO63 < TWO63 ? BigInt(Math.trunc(score - TWO63)) ^ (1n << 63n) : 0n;
  }
  return [Number(v >> 32n), Number(v & 0xffffffffn)];
}

/** The point a score stands for (GEOPOS and searches): the center of its 52-bit cell. */
export function decodeScore(score: number): [number, number] {
  const [hi, lo] = scoreBits(score);
  return areaCenter(decodeArea(WGS84_LON, WGS84_LAT, hi, lo, GEO_STEP_MAX));
}

/** GEOHASH's 11-character standard geohash of a score (re-encoded over [-90, 90] latitudes). */
export function standardGeohash(score: number): string {
  const [x, y] = decodeScore(score);
  const h = encode({ min: -180, max: 180 }, { min: -90, max: 90 }, x, y, 26);
  const bits = h === null ? 0n : h.bits;
  const alphabet = '0123456789bcdefghjkmnpqrstuvwxyz';
  let out = '';
  for (let i = 0; i < 11; i++) {
    const idx = i === 10 ? 0 : Number((bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn);
    out += alphabet[idx];
  }
  return out;
}

// ---- Distances ----

function degRad(ang: number): number {
  return ang * D_R;
}

function radDeg(ang: number): number {
  return ang / D_R;
}

/** Distance along a meridian between two latitudes. */
export function latDistance(lat1d: number, lat2d: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2d) - degRad(lat1d));
}

/** Haversine great-circle distance in meters. */
export function distance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  const lon1r = degRad(lon1d);
  const lon2r = degRad(lon2d);
  const v = Math.sin((lon2r - lon1r) / 2);
  if (v === 0.0) return latDistance(lat1d, lat2d);
  const lat1r = degRad(lat1d);
  const lat2r = degRad(lat2d);
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}

// ---- Search areas ----

/** A search: around (lon, lat), a circle of `radius` or a `width` x `height` box, in units of `conversion` meters. */
export interface Shape {
  box: boolean;
  lon: number;
  lat: number;
  conversion: number;
  radius: number;
  width: number;
  height: number;
}

/** The precision (bits per coordinate) of the cells that cover a search of this radius. */
export function estimateSteps(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

/** The shape's bounding box: [min lon, min lat, max lon, max lat]. */
export function boundingBox(shape: Shape): [number, number, number, number] {
  const longitude = shape.lon;
  const latitude = shape.lat;
  const height = shape.conversion * (shape.box ? shape.height / 2 : shape.radius);
  const width = shape.conversion * (shape.box ? shape.width / 2 : shape.radius);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const lonDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude + latDelta)));
  const lonDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude - latDelta)));
  const southern = latitude < 0;
  return [
    southern ? longitude - lonDeltaBottom : longitude - lonDeltaTop,
    latitude - latDelta,
    southern ? longitude + lonDeltaBottom : longitude + lonDeltaTop,
    latitude + latDelta,
  ];
}

function moveX(h: HashBits, d: number): HashBits {
  if (d === 0) return h;
  const shift = BigInt(64 - h.step * 2);
  let x = h.bits & 0xaaaaaaaaaaaaaaaan;
  const y = h.bits & 0x5555555555555555n;
  const zz = 0x5555555555555555n >> shift;
  if (d > 0) x = x + (zz + 1n);
  else x = (x | zz) - (zz + 1n);
  x = BigInt.asUintN(64, x) & (0xaaaaaaaaaaaaaaaan >> shift);
  return { bits: x | y, step: h.step };
}

function moveY(h: HashBits, d: number): HashBits {
  if (d === 0) return h;
  const shift = BigInt(64 - h.step * 2);
  const x = h.bits & 0xaaaaaaaaaaaaaaaan;
  let y = h.bits & 0x5555555555555555n;
  const zz = 0xaaaaaaaaaaaaaaaan >> shift;
  if (d > 0) y = y + (zz + 1n);
  else y = (y | zz) - (zz + 1n);
  y = BigInt.asUintN(64, y) & (0x5555555555555555n >> shift);
  return { bits: x | y, step: h.step };
}

function neighbor(h: HashBits, dx: number, dy: number): HashBits {
  return moveY(moveX(h, dx), dy);
}

/**
 * The cells to scan for a search, in Redis's order: the center's cell, then north, south,
 * east, west, north-east, north-west, south-east, south-west; null for cells that cannot hold
 * results.
 */
export function searchCells(shape: Shape): (HashBits | null)[] {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(shape);
  const radiusMeters = (shape.box ? Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2)) : shape.radius) * shape.conversion;
  let steps = estimateSteps(radiusMeters, shape.lat);
  let hash = encodeWGS84(shape.lon, shape.lat, steps)!;
  let cells = neighborsOf(hash);
  let area = decodeHash(hash);
  // The estimated precision may leave part of the box outside the 9 cells near the edges.
  const north = decodeHash(cells[0]);
  const south = decodeHash(cells[1]);
  const east = decodeHash(cells[2]);
  const west = decodeHash(cells[3]);
  const decrease = north.lat.max < maxLat || south.lat.min > minLat || east.lon.max < maxLon || west.lon.min > minLon;
  if (steps > 1 && decrease) {
    steps--;
    hash = encodeWGS84(shape.lon, shape.lat, steps)!;
    cells = neighborsOf(hash);
    area = decodeHash(hash);
  }
  const out: (HashBits | null)[] = [hash, ...cells];
  if (steps >= 2) {
    // Indexes in `out`: 1 N, 2 S, 3 E, 4 W, 5 NE, 6 NW, 7 SE, 8 SW.
    if (area.lat.min < minLat) out[2] = out[8] = out[7] = null;
    if (area.lat.max > maxLat) out[1] = out[5] = out[6] = null;
    if (area.lon.min < minLon) out[4] = out[8] = out[6] = null;
    if (area.lon.max > maxLon) out[3] = out[7] = out[5] = null;
  }
  return out;
}

/** North, south, east, west, north-east, north-west, south-east, south-west. */
function neighborsOf(h: HashBits): HashBits[] {
  return [
    neighbor(h, 0, 1),
    neighbor(h, 0, -1),
    neighbor(h, 1, 0),
    neighbor(h, -1, 0),
    neighbor(h, 1, 1),
    neighbor(h, -1, 1),
    neighbor(h, 1, -1),
    neighbor(h, -1, -1),
  ];
}

/** Score range [min, max) of the members inside a cell. */
export function cellScoreRange(h: HashBits): [number, number] {
  const min = align52(h);
  const max = align52({ bits: h.bits + 1n, step: h.step });
  return [Number(min), Number(max)];
}

/**
 * Whether a point is inside the shape; its distance from the center (meters) is returned,
 * or -1 when outside.
 */
export function distanceInShape(shape: Shape, x: number, y: number): number {
  if (!shape.box) {
    const d = distance(shape.lon, shape.lat, x, y);
    return d > shape.radius * shape.conversion ? -1 : d;
  }
  const widthM = shape.width * shape.conversion;
  const heightM = shape.height * shape.conversion;
  if (latDistance(y, shape.lat) > heightM / 2) return -1;
  if (distance(x, y, shape.lon, y) > widthM / 2) return -1;
  return distance(shape.lon, shape.lat, x, y);
}
