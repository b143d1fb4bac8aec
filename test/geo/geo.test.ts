// Geo commands against a real Redis: scores, positions, distances, hashes and searches digit for
// digit, every option and error, plus randomized searches.

import { after, before, test } from 'node:test';
import { Differential, type Script } from '../helpers/differential.js';
import { rng } from '../helpers/zset-helpers.js';

let d: Differential;
before(async () => {
  d = await Differential.start();
});
after(() => d.close());

/** Runs a script in RESP2, then RESP3. */
async function both(script: Script): Promise<void> {
  await d.check(script);
  await d.check(script, { resp: 3 });
}

const sicily: Script = [
  ['GEOADD', 'Sicily', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
  ['GEOADD', 'Sicily', '12.758489', '38.788135', 'edge1', '17.241510', '38.788135', 'edge2', '13.5833', '37.3167', 'Agrigento'],
  ['GEOADD', 'Sicily', '-180', '-85.05112878', 'corner', '180', '85.05112878', 'other', '0', '0', 'origin', '-0.0001', '0.0001', 'near'],
];

test('GEOADD options, replies and errors', async () => {
  await both([
    ...sicily,
    ['ZRANGE', 'Sicily', '0', '-1', 'WITHSCORES'], ['GEOADD', 'Sicily', 'CH', '13.361389', '38.115556', 'Palermo', '13', '38', 'Catania'],
    ['GEOADD', 'Sicily', 'NX', '1', '1', 'Palermo', '2', '2', 'new'], ['GEOADD', 'Sicily', 'XX', 'CH', '1', '1', 'Palermo', '2', '2', 'new2'],
    ['GEOADD', 'Sicily', 'XX', 'NX', '1', '1', 'a'], ['GEOADD', 'Sicily', 'NX', 'CH', 'XX', '1', '1', 'a'], ['GEOADD', 'Sicily', 'GT', '1', '1', 'a'],
    ['GEOADD', 'Sicily', '1', '1'], ['GEOADD', 'Sicily', '1', '1', 'a', '2'], ['GEOADD', 'Sicily', 'x', '1', 'a'],
    ['GEOADD', 'Sicily', '1', 'y', 'a'], ['GEOADD', 'Sicily', '200', '100', 'a'], ['GEOADD', 'Sicily', '-180.0000001', '0', 'a'],
    ['GEOADD', 'Sicily', '0', '85.05112879', 'a'], ['GEOADD', 'Sicily', '1e300', '0', 'a'], ['GEOADD', 'Sicily', '0.0078125', '100.0234375', 'a'],
    ['GEOADD', 'Sicily', '1', '1', 'ok', '1000', '1', 'bad'], ['ZCARD', 'Sicily'], ['GEOADD', 'Sicily', 'inf', '1', 'a'],
    ['SET', 's', 'x'], ['GEOADD', 's', '1', '1', 'a'], ['GEOADD', 'new', 'XX', '1', '1', 'a'], ['EXISTS', 'new'],
  ]);
});

test('GEOPOS, GEODIST, GEOHASH', async () => {
  await both([
    ...sicily,
    ['GEOPOS', 'Sicily', 'Palermo', 'Catania', 'nope', 'corner', 'other', 'origin', 'near'], ['GEOPOS', 'nokey', 'a', 'b'],
    ['GEODIST', 'Sicily', 'Palermo', 'Catania'], ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'km'], ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'MI'],
    ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'ft'], ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'M'], ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'yd'],
    ['GEODIST', 'Sicily', 'Palermo', 'nope'], ['GEODIST', 'Sicily', 'Palermo', 'Palermo'], ['GEODIST', 'Sicily', 'corner', 'other'],
    ['GEODIST', 'Sicily', 'origin', 'near'], ['GEODIST', 'nokey', 'a', 'b'], ['GEODIST', 'nokey', 'a', 'b', 'xx'],
    ['GEODIST', 'Sicily', 'a', 'b', 'km', 'extra'], ['GEOHASH', 'Sicily', 'Palermo', 'Catania', 'nope', 'corner', 'other', 'origin'],
    ['GEOHASH', 'nokey', 'a'], ['ZADD', 'weird', '-1', 'neg', '1.5', 'frac', '9007199254740993', 'big', '1e300', 'huge', 'inf', 'inf', '0', 'zero'],
    ['GEOPOS', 'weird', 'neg', 'frac', 'big', 'huge', 'inf', 'zero'], ['GEOHASH', 'weird', 'neg', 'frac', 'big', 'huge', 'zero'],
    ['GEODIST', 'weird', 'neg', 'zero'], ['SET', 's', 'x'], ['GEOPOS', 's', 'a'], ['GEODIST', 's', 'a', 'b'], ['GEOHASH', 's', 'a'],
  ]);
});

test('GEOSEARCH and GEOSEARCHSTORE options and errors', async () => {
  await both([
    ...sicily,
    ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'ASC'],
    ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'DESC', 'WITHCOORD', 'WITHDIST', 'WITHHASH'],
    ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', '400', '400', 'km', 'ASC', 'WITHDIST'],
    ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', '400', '400', 'km', 'COUNT', '2'],
    ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', '400', '400', 'km', 'COUNT', '2', 'ANY'],
    ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', '400', '400', 'km', 'COUNT', '2', 'ANY', 'DESC'],
    ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '0', 'm', 'WITHCOORD'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '20', 'm', 'WITHDIST'],
    ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '20000', 'km', 'ASC', 'WITHDIST'],
    ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '179', '85', 'BYBOX', '1000', '10', 'mi', 'WITHDIST'],
    ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'FROMMEMBER', 'Palermo'],
    ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'],
    ['GEOSEARCH', 'Sicily', 'BYRADIUS', '200', 'km'], ['geosearch', 'Sicily', 'BYRADIUS', '200', 'km'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37'],
    ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'BYBOX', '1', '1', 'km'],
    ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '-1', 'km'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', 'x', 'km'],
    ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'parsec'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', 'x', '1', 'km'],
    ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '1', 'y', 'km'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '-1', '1', 'km'],
    ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '1', '1'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '200', '37', 'BYRADIUS', '1', 'km'],
    ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'nope', 'BYRADIUS', '1', 'km'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'km', 'COUNT', '0'],
    ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'km', 'COUNT', 'x'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'km', 'COUNT'],
    ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'km', 'ANY'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'km', 'STOREDIST'],
    ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'km', 'STORE', 'x'], ['GEOSEARCH', 'nokey', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'km'],
    ['GEOSEARCH', 'nokey', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'km'], ['GEOSEARCH', 'nokey', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'parsec'],
    ['GEOSEARCHSTORE', 'dst', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'], ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
    ['GEOSEARCHSTORE', 'dst', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'STOREDIST', 'DESC', 'COUNT', '2'], ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
    ['GEOSEARCHSTORE', 'dst', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'WITHDIST'],
    ['GEOSEARCHSTORE', 'dst', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'STORE', 'x'],
    ['GEOSEARCHSTORE', 'dst', 'Sicily', 'FROMLONLAT', '-100', '-37', 'BYRADIUS', '1', 'km'], ['EXISTS', 'dst'],
    ['GEOSEARCHSTORE', 'dst', 'nokey', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'km'], ['geosearchstore', 'dst', 'Sicily', 'BYRADIUS', '1', 'km'],
    ['SET', 's', 'x'], ['GEOSEARCH', 's', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'km'], ['GEOSEARCHSTORE', 'dst', 's', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1', 'km'],
  ]);
});

test('GEORADIUS, GEORADIUSBYMEMBER and their _RO forms', async () => {
  await both([
    ...sicily,
    ['GEORADIUS', 'Sicily', '15', '37', '200', 'km'], ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'WITHDIST', 'WITHCOORD', 'WITHHASH', 'ASC'],
    ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'COUNT', '1'], ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'COUNT', '1', 'DESC'],
    ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'd1'], ['ZRANGE', 'd1', '0', '-1', 'WITHSCORES'],
    ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STOREDIST', 'd2', 'COUNT', '2'], ['ZRANGE', 'd2', '0', '-1', 'WITHSCORES'],
    ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'd1', 'WITHDIST'], ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE'],
    ['GEORADIUS', 'Sicily', '15', '37', '-1', 'km'], ['GEORADIUS', 'Sicily', '200', '37', '1', 'km'], ['GEORADIUS', 'Sicily', '15', '37', '1', 'xx'],
    ['GEORADIUS', 'Sicily', '15', '37', '1', 'km', 'FROMMEMBER', 'x'], ['GEORADIUS', 'Sicily', '15', '37', '1', 'km', 'BYBOX', '1', '1', 'km'],
    ['GEORADIUS', 'nokey', '15', '37', '1', 'km'], ['GEORADIUS', 'nokey', '15', '37', '1', 'km', 'STORE', 'd1'], ['EXISTS', 'd1'],
    ['GEORADIUS', 'Sicily', '-100', '-37', '1', 'km', 'STORE', 'd2'], ['EXISTS', 'd2'],
    ['GEORADIUS_RO', 'Sicily', '15', '37', '200', 'km', 'WITHDIST'], ['GEORADIUS_RO', 'Sicily', '15', '37', '200', 'km', 'STORE', 'x'],
    ['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '300', 'km', 'WITHDIST', 'ASC'], ['GEORADIUSBYMEMBER', 'Sicily', 'nope', '300', 'km'],
    ['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', 'x', 'km'], ['GEORADIUSBYMEMBER', 'nokey', 'x', 'bad', 'units'], ['GEORADIUSBYMEMBER', 'nokey', 'x', '1', 'km', 'STORE', 'q'],
    ['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '300', 'km', 'STOREDIST', 'd3'], ['ZRANGE', 'd3', '0', '-1', 'WITHSCORES'],
    ['GEORADIUSBYMEMBER_RO', 'Sicily', 'Catania', '100', 'mi', 'WITHCOORD'], ['GEORADIUSBYMEMBER_RO', 'Sicily', 'Catania', '100', 'mi', 'STOREDIST', 'x'],
    ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'COUNT', '1', 'ANY'], ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'ANY'],
    ['SET', 's', 'x'], ['GEORADIUS', 's', '15', '37', '1', 'km'], ['GEORADIUSBYMEMBER', 's', 'a', '1', 'km'],
  ]);
});

/** Random points, then random searches of every kind; all replies compared. */
function randomGeoScript(rand: () => number, points: number, searches: number): Script {
  const script: Script = [];
  const lon = () => (rand() * 360 - 180).toFixed(6);
  const lat = () => (rand() * 170.1 - 85.05).toFixed(6);
  // Clusters around a few centers, plus points spread over the globe.
  const centers = Array.from({ length: 4 }, () => [rand() * 300 - 150, rand() * 140 - 70]);
  for (let i = 0; i < points; i++) {
    if (rand() < 0.7) {
      const [cx, cy] = centers[i % centers.length];
      script.push(['GEOADD', 'pts', (cx + (rand() - 0.5) * 4).toFixed(6), (cy + (rand() - 0.5) * 4).toFixed(6), 'p' + i]);
    } else {
      script.push(['GEOADD', 'pts', lon(), lat(), 'p' + i]);
    }
  }
  const units = ['m', 'km', 'mi', 'ft'];
  for (let i = 0; i < searches; i++) {
    const [cx, cy] = centers[Math.floor(rand() * centers.length)];
    const from = rand() < 0.3 ? ['FROMMEMBER', 'p' + Math.floor(rand() * points)] : ['FROMLONLAT', (cx + (rand() - 0.5) * 3).toFixed(4), (cy + (rand() - 0.5) * 3).toFixed(4)];
    const unit = units[Math.floor(rand() * units.length)];
    const scale = unit === 'km' ? 1 : unit === 'mi' ? 0.62 : unit === 'm' ? 1000 : 3280;
    const by = rand() < 0.5 ? ['BYRADIUS', String(Math.round(rand() * 300 * scale)), unit] : ['BYBOX', String(Math.round(rand() * 500 * scale)), String(Math.round(rand() * 500 * scale)), unit];
    const opts: string[] = ['WITHDIST', 'WITHCOORD', 'WITHHASH'];
    if (rand() < 0.5) opts.push(rand() < 0.5 ? 'ASC' : 'DESC');
    else opts.push('ASC');
    if (rand() < 0.3) opts.push('COUNT', String(1 + Math.floor(rand() * 20)));
    script.push(['GEOSEARCH', 'pts', ...from, ...by, ...opts]);
    if (rand() < 0.2) {
      script.push(['GEOSEARCHSTORE', 'st', 'pts', ...from, ...by], ['ZRANGE', 'st', '0', '-1', 'WITHSCORES']);
      script.push(['GEOSEARCHSTORE', 'sd', 'pts', ...from, ...by, 'STOREDIST'], ['ZRANGE', 'sd', '0', '-1', 'WITHSCORES']);
    }
    if (rand() < 0.2) {
      const a = 'p' + Math.floor(rand() * points);
      const b = 'p' + Math.floor(rand() * points);
      script.push(['GEODIST', 'pts', a, b, unit], ['GEOPOS', 'pts', a, b], ['GEOHASH', 'pts', a, b]);
    }
  }
  return script;
}

/**
 * STOREDIST keeps raw distances, all 17 digits of them. V8's Math.sin/cos/asin (fdlibm) and
 * glibc's differ in the last bit for a few percent of inputs, so these can differ by an ulp or
 * two: they are compared to 12 significant digits. Everything else, including WITHDIST's 4
 * decimals and which members are found, is compared exactly.
 */
function roundStoredDistances(command: string[], raw: string): string {
  if (command[0] !== 'ZRANGE' || command[1] !== 'sd') return raw;
  return raw.replace(/\$\d+\r\n(\d+\.\d+(?:e[-+]\d+)?)\r\n/g, (_m, v: string) => {
    const t = Number(v).toPrecision(12);
    return `$${t.length}\r\n${t}\r\n`;
  });
}

for (const seed of [101, 102, 103]) {
  test(`random geo searches match Redis (seed ${seed})`, async () => {
    await d.check(randomGeoScript(rng(seed), 400, 150), { normalize: roundStoredDistances });
  });
}
