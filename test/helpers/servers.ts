// Starting servers for tests: Larder as a child process (as users run it) and a real
// redis-server (the oracle), each on a free port with its own temporary directory.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RespClient } from './resp-client.js';
import assert from 'node:assert/strict';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const MAIN_JS = path.join(root, 'dist/src/main.js');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface RunningServer {
  port: number;
  dir: string;
  process: ChildProcess;
  /** Everything the server printed. */
  output(): string;
  client(): Promise<RespClient>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** Resolves with the exit code when the process exits. */
  exited: Promise<number | null>;
}

interface StartOptions {
  /** Extra arguments (e.g. ['--appendonly', 'yes']). */
  args?: string[];
  /** Reuse a directory (restart tests); a new temporary one otherwise. */
  dir?: string;
  /** A config file path passed as first argument. */
  configFile?: string;
  port?: number;
  /** The log line that says the server is up (default: Ready to accept connections). */
  readyText?: RegExp;
}

async function start(command: string, argv: string[], dir: string, port: number, readyText: RegExp): Promise<RunningServer> {
  const child = spawn(command, argv, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20000;
  for (;;) {
    if (readyText.test(out)) {
      try {
        const c = await RespClient.connect(port);
        c.close();
        break;
      } catch {
        // not listening yet
      }
    }
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const server: RunningServer = {
    port,
    dir,
    process: child,
    output: () => out,
    client: () => RespClient.connect(port),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    exited,
  };
  return server;
}

/**
 * Asserts that the server logged a line matching `re`, waiting for it up to `timeoutMs`: the
 * log reaches the test through a pipe, possibly after the reply or close that followed it.
 */
export async function logged(server: Pick<RunningServer, 'output'>, re: RegExp, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!re.test(server.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.match(server.output(), re);
}

/** Starts Larder (`node dist/src/main.js`) with persistence off unless args say otherwise. */
export async function startLarder(opts: StartOptions = {}): Promise<RunningServer> {
  const port = opts.port ?? (await freePort());
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'larder-test-'));
  const argv = [MAIN_JS];
  if (opts.configFile) argv.push(opts.configFile);
  argv.push('--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
    '--enable-debug-command', 'yes', ...(opts.args ?? []));
  return start(process.execPath, argv, dir, port, opts.readyText ?? /Ready to accept connections/);
}

/** Starts a real redis-server, the oracle for differential tests. */
export async function startRedis(opts: StartOptions = {}): Promise<RunningServer> {
  const port = opts.port ?? (await freePort());
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'larder-redis-'));
  const argv: string[] = [];
  if (opts.configFile) argv.push(opts.configFile);
  argv.push('--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
    '--enable-debug-command', 'yes', ...(opts.args ?? []));
  return start('redis-server', argv, dir, port, /Ready to accept connections/);
}

export function hasRedis(): boolean {
  const paths = (process.env.PATH ?? '').split(':');
  return paths.some((p) => fs.existsSync(path.join(p, 'redis-server')));
}
