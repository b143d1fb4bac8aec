// Generates src/commands/reference.json: the command metadata (COMMAND INFO and COMMAND DOCS)
// of a live reference redis-server. Larder's command table is built from it, so that COMMAND
// replies, arity, flags and key positions match the reference exactly.
// Usage: node scripts/gen-commands.mjs [redis-server path]
import { spawn } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const bin = process.argv[2] ?? 'redis-server';
const port = 20000 + Math.floor(Math.random() * 10000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'larder-gen-'));
const server = spawn(bin, ['--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });

// A minimal RESP3 reader that keeps the reply types (maps become objects, sets and arrays arrays).
function readReply(buf, pos) {
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[pos]);
  const line = buf.toString('latin1', pos + 1, eol);
  let next = eol + 2;
  const aggregate = (count, isMap) => {
    const items = [];
    for (let i = 0; i < count * (isMap ? 2 : 1); i++) {
      const r = readReply(buf, next);
      if (!r) return null;
      items.push(r.value);
      next = r.next;
    }
    if (!isMap) return { value: items, next };
    const obj = {};
    for (let i = 0; i < items.length; i += 2) obj[items[i]] = items[i + 1];
    return { value: obj, next };
  };
  switch (type) {
    case '+': case '-': return { value: line, next };
    case ':': return { value: Number(line), next };
    case '$': case '=': {
      const len = Number(line);
      if (len < 0) return { value: null, next };
      if (buf.length < next + len + 2) return null;
      return { value: buf.toString('latin1', next, next + len), next: next + len + 2 };
    }
    case '*': case '~': case '>': return aggregate(Number(line), false);
    case '%': return aggregate(Number(line), true);
    case '_': return { value: null, next };
    case '#': return { value: line === 't', next };
    case ',': return { value: Number(line), next };
    default: throw new Error('unexpected reply type ' + type);
  }
}

async function query(commands) {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((res, rej) => { sock.once('connect', res); sock.once('error', rej); });
  let buf = Buffer.alloc(0);
  const replies = [];
  const done = new Promise((resolve) => {
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const r = readReply(buf, 0);
        if (!r) break;
        replies.push(r.value);
        buf = buf.subarray(r.next);
      }
      if (replies.length === commands.length) { sock.end(); resolve(replies); }
    });
  });
  for (const args of commands) {
    sock.write(`*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join(''));
  }
  return done;
}

function infoToJson(info) {
  const [name, arity, flags, firstKey, lastKey, step, acl, tips, keySpecs, subcommands] = info;
  const out = { name, arity, flags, firstKey, lastKey, step, acl, tips, keySpecs };
  if (subcommands.length) out.subcommands = Object.fromEntries(subcommands.map((s) => [s[0].split('|')[1], infoToJson(s)]));
  return out;
}

async function main() {
  for (let i = 0; ; i++) {
    try { await query([['PING']]); break; } catch (e) { if (i > 50) throw e; await new Promise((r) => setTimeout(r, 100)); }
  }
  const [, infos, docs, version] = await query([['HELLO', '3'], ['COMMAND'], ['COMMAND', 'DOCS'], ['INFO', 'server']]);
  const table = {};
  for (const info of infos) {
    const entry = infoToJson(info);
    entry.docs = docs[entry.name];
    if (entry.subcommands) {
      for (const [sub, s] of Object.entries(entry.subcommands)) s.docs = entry.docs.subcommands?.[`${entry.name}|${sub}`];
      delete entry.docs.subcommands;
    }
    table[entry.name] = entry;
  }
  const sorted = Object.fromEntries(Object.keys(table).sort().map((k) => [k, table[k]]));
  const ver = /redis_version:(\S+)/.exec(version)[1];
  fs.writeFileSync(new URL('../src/commands/reference.json', import.meta.url),
    JSON.stringify({ generatedFrom: `redis-server ${ver}`, commands: sorted }, null, 1) + '\n');
  console.log(`wrote ${Object.keys(sorted).length} commands from redis ${ver}`);
}

main().finally(() => { server.kill(); fs.rmSync(dir, { recursive: true, force: true }); });
