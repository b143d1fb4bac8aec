// Regenerates test/fixtures/float80.json: INCRBYFLOAT cases answered by a real redis-server
// (the reference for the long double emulation in src/util/float80.ts).
//
//   node scripts/gen-float80-fixture.mjs <redis-port>
//
// Each case is [current value or null, increment, reply] where reply is the stored text or
// the error message.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.argv[2] ?? 6379);

// Deterministic pseudo-random numbers (xorshift32), so the fixture is reproducible.
let seed = 0x2545f491;
function rand() {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed / 4294967296;
}
const int = (n) => Math.floor(rand() * n);
const digits = (n) => Array.from({ length: n }, () => int(10)).join('');

function randomDecimal() {
  const sign = rand() < 0.3 ? '-' : rand() < 0.1 ? '+' : '';
  switch (int(8)) {
    case 0: return sign + digits(1 + int(20)) + '.' + digits(1 + int(25));
    case 1: return sign + '0.' + '0'.repeat(int(20)) + digits(1 + int(20));
    case 2: return sign + digits(1 + int(3)) + '.' + digits(int(4)) + 'e' + (rand() < 0.5 ? '-' : '') + int(60);
    case 3: return sign + digits(1 + int(30));
    case 4: return sign + (1 + int(9)) + '.' + digits(int(40)) + 'e' + (rand() < 0.05 ? int(9900) - 4950 : int(80) - 40);
    case 5: return sign + '0x' + int(0xffffff).toString(16) + '.' + int(0xffffff).toString(16) + 'p' + (int(200) - 100);
    case 6: return sign + int(1000) + '.' + ['5', '25', '125', '0625', '1', '2', '3', '7', '05', '005'][int(10)];
    default: return sign + (rand() * 10 ** (int(40) - 20)).toString();
  }
}

const fixed = [
  [null, '0.000003814697265625'], [null, '10.1'], ['10.5', '0.1'], ['10', '-10'], ['-0', '0'], [null, '-0'],
  [null, '1e4932'], [null, '1.18e4932'], [null, '1.19e4932'], [null, '3.7e-4951'], [null, '3e-4952'],
  [null, '0x1p-16445'], [null, '0x1p-16446'], [null, '0x1.8p-16446'], [null, '0x1.0000000000000001p0'],
  [null, '-1e-30'], ['1', 'inf'], ['1', '-inf'], ['1', 'infinity'], ['1', 'nan'], ['1', 'NaN'], ['inf', '1'],
  ['1', ' 1'], ['1', '1 '], ['1', ''], ['1', '1e'], ['1', '1e+'], ['1', '.'], ['1', '.5'], ['1', '5.'],
  ['1', '0x'], ['1', '0x1p'], ['1', '0X1P4'], ['1', '1\x002'], ['abc', '1'], [' 1', '1'], ['1', 'e5'],
  ['1', '1.5e308'], ['1', '1.5e-308'], ['1', '1e-4940'], ['5.0e3', '2.0e2'], ['9223372036854775807', '1'],
  ['-9223372036854775808', '-1'], ['18446744073709551615', '1'], ['18446744073709551616', '0.5'],
  ['1', '0.' + '0'.repeat(17) + '5'], ['1', '0.' + '0'.repeat(16) + '15'], ['1', '0.' + '0'.repeat(16) + '25'],
  ['3.0', '1.5'], ['1.1', '2.2'], ['0.1', '0.2'], ['1e20', '1'], ['1e30', '-1e30'], ['1', '1' + '0'.repeat(5200)],
  ['1', '1' + '0'.repeat(5000)], ['1', '0.' + '0'.repeat(5000) + '1'],
];
const cases = fixed.map(([a, b]) => [a, b]);
for (let i = 0; i < 1500; i++) cases.push([rand() < 0.3 ? null : randomDecimal(), randomDecimal()]);

// Exact decimal text of mant * 2^exp (exp may be negative).
function exactDecimal(mant, exp) {
  if (exp >= 0) return (mant << BigInt(exp)).toString();
  const scale = 5n ** BigInt(-exp); // mant * 2^exp = mant * 5^-exp / 10^-exp
  const digits = (mant * scale).toString().padStart(-exp + 1, '0');
  return digits.slice(0, digits.length + exp) + '.' + digits.slice(digits.length + exp);
}
const random64 = () => (1n << 63n) | (BigInt(int(0x80000000)) << 32n) | BigInt(int(0x100000000));
// Values from 2^46 up to 2^64, where %.17Lf shows the binary value exactly: parsing ties and
// near-ties, and sums that must round.
for (let i = 0; i < 300; i++) {
  const exp = -int(18);
  const mant = random64();
  const tie = exactDecimal(mant * 2n + 1n, exp - 1);
  const sign = rand() < 0.2 ? '-' : '';
  cases.push([null, sign + tie]);
  cases.push([null, sign + tie + '000000000000001']);
  cases.push([null, sign + exactDecimal(mant * 2n + 1n, exp - 1).replace(/5$/, '49999999999999')]);
  const other = exactDecimal(random64(), exp - 1 - int(70));
  cases.push([exactDecimal(mant, exp), (rand() < 0.5 ? '-' : '') + other]);
}

function encode(args) {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return Buffer.from(out, 'latin1');
}

const socket = net.connect(port, '127.0.0.1');
await new Promise((r) => socket.once('connect', r));
let buf = Buffer.alloc(0);
const waiters = [];
socket.on('data', (d) => {
  buf = Buffer.concat([buf, d]);
  for (;;) {
    const eol = buf.indexOf('\r\n');
    if (eol < 0) return;
    const type = String.fromCharCode(buf[0]);
    const line = buf.latin1Slice(1, eol);
    let value;
    let end = eol + 2;
    if (type === '$') {
      const len = Number(line);
      if (len >= 0) {
        if (buf.length < end + len + 2) return;
        value = buf.latin1Slice(end, end + len);
        end += len + 2;
      } else value = null;
    } else if (type === '-') value = { error: line };
    else value = line;
    buf = buf.subarray(end);
    waiters.shift()(value);
  }
});
const call = (...args) => new Promise((resolve) => {
  waiters.push(resolve);
  socket.write(encode(args));
});

const out = [];
for (const [current, increment] of cases) {
  await call('DEL', 'k');
  if (current !== null) await call('SET', 'k', current);
  const r = await call('INCRBYFLOAT', 'k', increment);
  out.push([current, increment, typeof r === 'object' && r !== null ? r.error : r]);
}
socket.end();
fs.writeFileSync(path.join(root, 'test/fixtures/float80.json'), JSON.stringify(out, null, 0).replace(/\],\[/g, '],\n['));
console.log(`${out.length} cases written`);
