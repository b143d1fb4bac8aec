// The command path without the network: a pipeline of requests fed to an in-process client
// (parser, dispatcher, handlers, reply encoding), repeated; prints ns per request. Compares
// code revisions without the noise of sockets and a shared machine.
//   node bench/hot-path.mjs [set|get|incr|ping|mset] [--random]
import { Server } from '../dist/src/server/server.js';
import { Client } from '../dist/src/server/client.js';
import { processInput } from '../dist/src/server/connection.js';
import { allFamilies } from '../dist/src/commands/index.js';

const test = process.argv[2] ?? 'get';
const random = process.argv.includes('--random');
const server = new Server();
server.register(...allFamilies);
server.init();
const socket = { writableLength: 0, destroyed: false, remoteAddress: '127.0.0.1', remotePort: 1, localAddress: '127.0.0.1', localPort: 1, written: 0, write(s) { this.written += s.length; return true; }, end() {}, destroy() {} };
const c = new Client(server, server.nextClientId++, socket);
server.clients.set(c.id, c);

const cmd = (...a) => `*${a.length}\r\n` + a.map((x) => `$${x.length}\r\n${x}\r\n`).join('');
const key = (i) => 'key:' + String(random ? (i * 7919) % 1000000 : 0).padStart(12, '0');
const PIPE = 16;
const batches = [];
for (let b = 0; b < 4096; b++) {
  let s = '';
  for (let i = 0; i < PIPE; i++) {
    const k = key(b * PIPE + i);
    if (test === 'set') s += cmd('SET', k, 'xxx');
    else if (test === 'get') s += cmd('GET', k);
    else if (test === 'incr') s += cmd('INCR', k);
    else if (test === 'ping') s += cmd('PING');
    else if (test === 'mset') s += cmd('MSET', ...Array.from({ length: 10 }, (_, j) => [key(b * PIPE + i + j), 'xxx']).flat());
  }
  batches.push(Buffer.from(s, 'latin1'));
}
if (test === 'get' || test === 'incr') for (let i = 0; i < 1000000; i += random ? 1 : 1000000) server.dbs[0].set(key(i), '1');

function round(n) {
  const t = process.hrtime.bigint();
  for (let r = 0; r < n; r++) {
    const b = batches[r % batches.length];
    server.refreshTime();
    c.parser.feed(b);
    processInput(c);
    c.parser.release();
    server.flushClient(c);
  }
  return Number(process.hrtime.bigint() - t) / (n * PIPE);
}
round(20000);
const results = [];
for (let i = 0; i < 15; i++) results.push(round(20000));
results.sort((a, b) => a - b);
console.log(`${test}${random ? " (random keys)" : ""}: ${results[0].toFixed(0)} ns/request (best of 15; median ${results[7].toFixed(0)})`);
process.exit(0);
