// Starting the server: config files, command line options, fatal errors, CONFIG REWRITE, pid
// file and shutdown, compared with redis-server where the outcome is comparable.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { freePort, logged, MAIN_JS, startLarder, startRedis, type RunningServer } from '../helpers/servers.js';

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a server binary that is expected to exit by itself. */
function runToExit(command: string, args: string[], cwd: string, input?: string): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

const larder = (args: string[], cwd: string, input?: string) => runToExit(process.execPath, [MAIN_JS, ...args], cwd, input);
const redis = (args: string[], cwd: string, input?: string) => runToExit('redis-server', args, cwd, input);

const dirs: string[] = [];
function tmpdir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'larder-startup-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A log line without its "pid:role date time level" prefix. */
function stripLogPrefix(line: string): string {
  return line.replace(/^\d+:[CMSX] \d+ \w+ \d+ [\d:.]+ . /, '');
}

test('fatal configuration errors are reported as redis-server reports them', async () => {
  const dir = tmpdir();
  fs.writeFileSync(path.join(dir, 'bad.conf'), '# a comment\nport 7000\n\n  bogus 1\n');
  fs.writeFileSync(path.join(dir, 'quotes.conf'), 'loglevel "verbose\n');
  fs.writeFileSync(path.join(dir, 'args.conf'), 'timeout 1 2\n');
  fs.writeFileSync(path.join(dir, 'inc.conf'), 'include missing-file.conf\n');
  fs.writeFileSync(path.join(dir, 'inner.conf'), 'hz 10\nmaxmemory lots\n');
  fs.writeFileSync(path.join(dir, 'outer.conf'), 'loglevel notice\ninclude inner.conf\n');
  const cases: string[][] = [
    ['--port'],
    ['--port', '6380', '--loglevel'],
    ['--port', '6379', '6380'],
    ['--port', '--loglevel', 'verbose'],
    ['--port', '--bla', '--loglevel', 'verbose'],
    ['--logfile', '--my--log--file', '--loglevel', '--bla'],
    ['--shutdown-on-sigint'],
    ['--shutdown-on-sigint', 'now force', '--shutdown-on-sigterm'],
    ['--replicaof', '127.0.0.1', 'abc'],
    ['--replicaof', '--127.0.0.1', 'abc'],
    ['--replicaof', '--127.0.0.1', '--abc'],
    ['--maxmemory-clients', '200%'],
    ['--save', '1', '2', '3'],
    ['--save', '0', '1'],
    ['--bind', ...Array.from({ length: 17 }, (_, i) => `127.0.0.${i + 1}`)],
    ['--nosuch', 'x'],
    ['--notify-keyspace-events', 'KEAq'],
    ['--unixsocketperm', '888'],
    ['--client-output-buffer-limit', 'normal 1 2'],
    ['--oom-score-adj-values', '1 2'],
    ['--latency-tracking-info-percentiles', '50 101'],
    ['--appendfilename', 'a/b'],
    ['--dir', '/nonexistent/dir'],
    ['--logfile', '/nonexistent/dir/log'],
    ['--loadmodule'],
    ['--rename-command', 'nosuchcommand', 'x'],
    ['bad.conf', '--port', '1'],
    ['quotes.conf'],
    ['args.conf'],
    ['outer.conf'],
  ];
  for (const args of cases) {
    const [a, b] = await Promise.all([larder(args, dir), redis(args, dir)]);
    assert.equal(a.code, b.code, `exit code for ${JSON.stringify(args)}`);
    assert.equal(a.stderr, b.stderr, `report for ${JSON.stringify(args)}`);
    assert.equal(b.code, 1);
  }
  // Files that cannot be read are logged, not reported.
  for (const args of [['missing.conf'], ['inc.conf']]) {
    const [a, b] = await Promise.all([larder(args, dir), redis(args, dir)]);
    assert.equal(a.code, 1);
    assert.equal(b.code, 1);
    assert.equal(stripLogPrefix(a.stdout.trim()), stripLogPrefix(b.stdout.trim()));
  }
});

async function configGet(s: RunningServer, names: string[]): Promise<Record<string, unknown>> {
  const c = await s.client();
  try {
    const out: Record<string, unknown> = {};
    for (const n of names) out[n] = await c.call('CONFIG', 'GET', n);
    return out;
  } finally {
    c.close();
  }
}

test('a config file with includes, quotes and repeated directives, then options, reads as in Redis', async () => {
  const dir = tmpdir();
  fs.writeFileSync(path.join(dir, 'extra.conf'), 'hz 20\r\nslowlog-max-len 7\n');
  fs.writeFileSync(path.join(dir, 'main.conf'), [
    '# Larder test configuration',
    '   loglevel   verbose   ',
    'save 100 10',
    'save 200 20',
    'maxmemory "1mb"',
    "notify-keyspace-events 'KEA'",
    'client-output-buffer-limit pubsub 1mb 2mb 3',
    `include ${path.join(dir, 'extra.conf')}`,
    'list-max-ziplist-entries 5',
    'MAXMEMORY-POLICY volatile-lru',
    'shutdown-on-sigterm nosave now',
    'latency-tracking-info-percentiles 50 90',
    'oom-score-adj-values "0 100 200"',
    'masterauth "with \\"quotes\\" and \\x41"',
    'hash-max-ziplist-entries 20',
    'hash-max-listpack-entries 21',
    '',
  ].join('\n'));
  const args = ['--maxmemory-policy', 'allkeys-lru', '--save 300 30', '--slowlog-log-slower-than', '-1'];
  const [a, b] = await Promise.all([
    startLarder({ configFile: path.join(dir, 'main.conf'), args }),
    startRedis({ configFile: path.join(dir, 'main.conf'), args }),
  ]);
  try {
    const names = ['loglevel', 'save', 'maxmemory', 'notify-keyspace-events', 'client-output-buffer-limit', 'hz', 'slowlog-max-len',
      'maxmemory-policy', 'shutdown-on-sigterm', 'latency-tracking-info-percentiles', 'oom-score-adj-values', 'hash-max-listpack-entries',
      'slowlog-log-slower-than'];
    names.push('masterauth');
    const got = await configGet(a, names);
    assert.deepEqual(got, await configGet(b, names));
    assert.deepEqual(got.masterauth, ['masterauth', 'with "quotes" and A']);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('options given without a config file, and the special forms of --save, read as in Redis', async () => {
  const dir = tmpdir();
  fs.writeFileSync(path.join(dir, 'default.conf'), 'save 900 1\nloglevel notice\n');
  const conf = path.join(dir, 'default.conf');
  const variants: { file?: string; args: string[] }[] = [
    { args: [] },
    { file: conf, args: [] },
    { file: conf, args: ['--save', '100', '100'] },
    { file: conf, args: ['--save', ''] },
    { file: conf, args: ['--save', '--loglevel', 'verbose'] },
    { file: conf, args: ['--loglevel', 'verbose', '--save'] },
    { file: conf, args: ['--proc-title-template', '--save', '--save', '', '--loglevel', 'verbose'] },
    { file: conf, args: ['--maxmemory 700mb', '--maxmemory-policy volatile-lru'] },
    { file: conf, args: ['loglevel', 'verbose', "--maxmemory '700mb'", "--maxmemory-policy 'volatile-lru'"] },
    { file: conf, args: ['--proc-title-template', '--my--title--template', '--loglevel', 'verbose'] },
    { file: conf, args: ['--shutdown-on-sigint', 'nosave', 'force', 'now', '--shutdown-on-sigterm', 'nosave force'] },
  ];
  const names = ['save', 'loglevel', 'maxmemory', 'maxmemory-policy', 'proc-title-template', 'shutdown-on-sigint', 'shutdown-on-sigterm'];
  for (const v of variants) {
    // The helpers add --save '' themselves; these cases need the file's own save line, so the
    // servers are started here with only port and directory.
    const [a, b] = await Promise.all([startPlain('larder', v.file, v.args), startPlain('redis', v.file, v.args)]);
    try {
      assert.deepEqual(await configGet(a, names), await configGet(b, names), JSON.stringify(v));
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }
});

/** Starts a server with only the given file and options (plus its port and directory last). */
async function startPlain(which: 'larder' | 'redis', file: string | undefined, args: string[]): Promise<RunningServer> {
  const port = await freePort();
  const dir = tmpdir();
  const argv = [...(file ? [file] : []), ...args, '--port', String(port), '--dir', dir, '--bind', '127.0.0.1'];
  const command = which === 'larder' ? process.execPath : 'redis-server';
  const child = spawn(command, which === 'larder' ? [MAIN_JS, ...argv] : argv, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const deadline = Date.now() + 10000;
  while (!/Ready to accept connections/.test(out)) {
    if (child.exitCode !== null) throw new Error(`${which} exited: ${out}`);
    if (Date.now() > deadline) throw new Error(`${which} did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const { RespClient } = await import('../helpers/resp-client.js');
  return {
    port, dir, process: child, output: () => out, client: () => RespClient.connect(port), exited,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The lines CONFIG REWRITE kept from the original file, and the set of lines it appended. */
function splitRewrite(text: string): { kept: string[]; added: string[] } {
  const lines = text.split('\n');
  const at = lines.indexOf('# Generated by CONFIG REWRITE');
  const own = (l: string) => !/^(port|dir|user) /.test(l);
  const kept = (at < 0 ? lines : lines.slice(0, at)).filter(own);
  const added = at < 0 ? [] : lines.slice(at + 1).filter((l) => l !== '' && own(l)).sort();
  return { kept, added };
}

test('CONFIG REWRITE rewrites the file as Redis does, and the result reads back', async () => {
  const base = [
    '# Top comment',
    '',
    '',
    'maxmemory 1mb',
    '# maxmemory 2mb',
    'maxmemory 3mb',
    'save 100 1',
    'save 200 2',
    'loglevel notice',
    'slave-serve-stale-data yes',
    'hash-max-ziplist-entries 64',
    'appendfsync everysec',
    'rename-command ECHO SAY',
    '',
  ].join('\n');
  const dirA = tmpdir();
  const dirB = tmpdir();
  for (const dir of [dirA, dirB]) fs.writeFileSync(path.join(dir, 'r.conf'), base);
  const [a, b] = await Promise.all([startPlain('larder', path.join(dirA, 'r.conf'), []), startPlain('redis', path.join(dirB, 'r.conf'), [])]);
  const sets = [
    ['maxmemory', '2mb'], ['save', '3600 1 300 100'], ['loglevel', 'verbose'], ['notify-keyspace-events', 'KEA'], ['hz', '20'],
    ['shutdown-on-sigterm', 'nosave now'], ['client-output-buffer-limit', 'normal 1mb 2mb 3'], ['replica-serve-stale-data', 'no'],
    ['hash-max-listpack-entries', '100'], ['maxmemory-clients', '10%'], ['masterauth', 'a b"c'], ['latency-tracking-info-percentiles', '50 99.5'],
    ['slowlog-log-slower-than', '9223372036854775807'], ['repl-backlog-size', '3000000'],
  ];
  const names = sets.map((s) => s[0]);
  let before: Record<string, unknown>;
  try {
    for (const s of [a, b]) {
      const c = await s.client();
      for (const [k, v] of sets) assert.equal(await c.call('CONFIG', 'SET', k, v), 'OK', k);
      assert.equal(await c.call('CONFIG', 'REWRITE'), 'OK');
      c.close();
    }
    before = await configGet(a, names);
    assert.deepEqual(before, await configGet(b, names));
    const fa = splitRewrite(fs.readFileSync(path.join(dirA, 'r.conf'), 'latin1'));
    const fb = splitRewrite(fs.readFileSync(path.join(dirB, 'r.conf'), 'latin1'));
    assert.deepEqual(fa.kept, fb.kept);
    assert.deepEqual(fa.added, fb.added);
    assert.ok(fa.added.includes('notify-keyspace-events "AKE"'));
    await logged(a, /CONFIG REWRITE executed with success/);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
  // Restarting from the rewritten file gives the same settings.
  const again = await startPlain('larder', path.join(dirA, 'r.conf'), []);
  try {
    assert.deepEqual(await configGet(again, names), before);
    // rename-command was kept.
    const c = await again.client();
    assert.equal(await c.call('SAY', 'hi'), 'hi');
    c.close();
  } finally {
    await again.stop();
  }
});

test('DEBUG CONFIG-REWRITE-FORCE-ALL writes every setting, and the file reads back', async () => {
  const dir = tmpdir();
  const file = path.join(dir, 'f.conf');
  fs.writeFileSync(file, 'enable-debug-command yes\n');
  const s = await startPlain('larder', file, []);
  let all: unknown;
  try {
    const c = await s.client();
    await c.call('CONFIG', 'SET', 'save', '');
    assert.equal(await c.call('DEBUG', 'CONFIG-REWRITE-FORCE-ALL'), 'OK');
    all = await c.call('CONFIG', 'GET', '*');
    c.close();
  } finally {
    await s.stop();
  }
  const text = fs.readFileSync(file, 'latin1');
  assert.match(text, /^# Generated by CONFIG REWRITE$/m);
  assert.match(text, /^save ""$/m);
  assert.match(text, /^key-load-delay 0$/m);
  const again = await startPlain('larder', file, []);
  try {
    const c = await again.client();
    const sorted = (x: unknown) => {
      const p: string[][] = [];
      const flat = (x as unknown[]).flat() as string[];
      for (let i = 0; i < flat.length; i += 2) if (flat[i] !== 'port' && flat[i] !== 'dir') p.push([flat[i], flat[i + 1]]);
      return p.sort();
    };
    assert.deepEqual(sorted(await c.call('CONFIG', 'GET', '*')), sorted(all));
    c.close();
  } finally {
    await again.stop();
  }
});

test('SIGTERM shuts down cleanly: pid file, log lines, exit code', async () => {
  const dir = tmpdir();
  const pidfile = path.join(dir, 'larder.pid');
  const s = await startLarder({ args: ['--pidfile', pidfile, '--always-show-logo', 'yes'], dir });
  assert.equal(fs.readFileSync(pidfile, 'latin1'), `${s.process.pid}\n`);
  await logged(s, new RegExp(` PID: ${s.process.pid}\\b`));
  s.process.kill('SIGTERM');
  assert.equal(await s.exited, 0);
  const log = s.output();
  assert.match(log, /Received SIGTERM scheduling shutdown\.\.\./);
  assert.match(log, /User requested shutdown\.\.\./);
  assert.match(log, /Removing the pid file\./);
  assert.match(log, /Redis is now ready to exit, bye bye\.\.\./);
  assert.equal(fs.existsSync(pidfile), false);
});

test('SHUTDOWN ends the server; its errors match Redis', async () => {
  const [a, b] = await Promise.all([startLarder(), startRedis()]);
  try {
    const [ca, cb] = await Promise.all([a.client(), b.client()]);
    for (const args of [['SHUTDOWN', 'FOO'], ['SHUTDOWN', 'SAVE', 'NOSAVE'], ['SHUTDOWN', 'ABORT', 'NOW'], ['SHUTDOWN', 'ABORT']]) {
      const [ra, rb] = await Promise.all([ca.send(...args), cb.send(...args)]);
      assert.equal(ra.raw.toString('latin1'), rb.raw.toString('latin1'), JSON.stringify(args));
    }
    ca.writeRaw('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
    await ca.waitClosed();
    assert.equal(await a.exited, 0);
    await logged(a, /User requested shutdown/);
    cb.close();
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('--version, --help, reading the config from stdin, and the banner', async () => {
  const dir = tmpdir();
  const v = await larder(['--version'], dir);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^Redis server v=7\.0\.15 sha=00000000:0 /);
  assert.equal((await larder(['-v'], dir)).stdout, v.stdout);
  const h = await larder(['--help'], dir);
  assert.equal(h.code, 1);
  assert.match(h.stderr, /Usage: /);
  // Configuration on stdin: a fatal error in it is reported like a file's.
  const [a, b] = await Promise.all([larder(['-'], dir, 'hz 10\nmaxmemory x\n'), redis(['-'], dir, 'hz 10\nmaxmemory x\n')]);
  assert.equal(a.stderr, b.stderr);
  assert.equal(a.code, 1);
});

test('unixsocket: the server listens on a Unix socket with the given permissions', async () => {
  const dir = tmpdir();
  const sock = path.join(dir, 'l.sock');
  // Its own log line follows the TCP listener's "Ready to accept connections", maybe in a later read.
  const s = await startLarder({ args: ['--unixsocket', sock, '--unixsocketperm', '700'], dir, readyText: /ready to accept connections at / });
  try {
    assert.equal(fs.statSync(sock).mode & 0o777, 0o700);
    await logged(s, new RegExp(`The server is now ready to accept connections at ${sock}\n`));
    await logged(s, /Ready to accept connections\n.*The server is now ready/);
    const net = await import('node:net');
    const reply = await new Promise<string>((resolve, reject) => {
      const c = net.connect(sock, () => c.write('PING\r\n'));
      c.on('data', (d) => {
        resolve(d.toString('latin1'));
        c.destroy();
      });
      c.on('error', reject);
    });
    assert.equal(reply, '+PONG\r\n');
  } finally {
    await s.stop();
  }
  assert.equal(fs.existsSync(sock), false);
});
