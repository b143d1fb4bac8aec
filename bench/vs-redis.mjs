// npm run bench: redis-benchmark against Larder and a real redis-server side by side
// (../shared/tools/bench-vs-redis: interleaved rounds, throughput ratio and server CPU per
// request), without pipelining and with -P 16, then the string commands with 1,000,000 random
// keys. Five interleaved rounds rather than the tool's three: on a shared 2-core VM a single run
// can take 1.5x its usual CPU, and the median of five survives two such runs. Extra arguments go
// to bench-vs-redis and override these (e.g. --tests set,get --rounds 3).
//
// After each section it also prints, per test, the median over rounds of the ratios within a
// round (Larder's throughput and CPU per request over Redis's in the same round, run back to
// back). The machine's speed drifts over minutes; a paired ratio cancels that drift, where the
// ratio of the two medians can pair a slow minute of one server with a fast one of the other.
//
// Each section starts a fresh Larder and a fresh redis-server and warms both up the same way
// (the section's commands on fixed keys, ~10 s a server) before the measured runs: on this kind
// of VM a new process often runs up to 2x slower in its first 10-40 seconds (Larder more than
// Redis), which says nothing about a server that has been running.
// The warm-up leaves the random-key keyspace empty, so that section still measures it filling.
//
// Both servers run on the last CPU and redis-benchmark on the others (taskset), as Redis's own
// benchmarking advice has it. Left to the scheduler, a run without pipelining lands either with
// the server and the client on one CPU or on two, at ~36k or ~50k requests a second whichever
// the server, so a ratio over five rounds was a coin toss; pinned, runs agree within a few %.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, median, startServer } from './lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tool = path.resolve(root, '../shared/tools/bench-vs-redis');
const extra = process.argv.slice(2);

const allTests = 'ping_mbulk,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,lrange_600,mset';
const stringTests = 'ping_mbulk,set,get,incr,mset';
const runs = [
  { title: 'no pipelining', pipeline: 1, tests: allTests, warmRequests: 25000, args: [] },
  { title: 'pipelined (-P 16)', pipeline: 16, tests: allTests, warmRequests: 300000, args: [] },
  { title: 'pipelined (-P 16), 1,000,000 random keys', pipeline: 16, tests: stringTests, warmRequests: 1000000, args: ['--random', '1000000'] },
];

/** The CPUs this process may run on (Linux), in order. */
function allowedCpus() {
  let list = '';
  try {
    list = /^Cpus_allowed_list:\s*(\S+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '';
  } catch {
    return [];
  }
  const cpus = [];
  for (const part of list.split(',').filter(Boolean)) {
    const [from, to = from] = part.split('-').map(Number);
    for (let cpu = from; cpu <= to; cpu++) cpus.push(cpu);
  }
  return cpus;
}

// CPU lists for the servers and for redis-benchmark, or null (one CPU, or no taskset).
const cpus = allowedCpus();
const pinned = cpus.length >= 2 && spawnSync('taskset', ['-c', String(cpus[0]), 'true']).status === 0;
const serverCpus = pinned ? String(cpus[cpus.length - 1]) : null;
const clientCpus = pinned ? cpus.slice(0, -1).join(',') : null;

/** `cmd args` on the client CPUs. */
function onClientCpus(cmd, args) {
  return clientCpus === null ? [cmd, args] : ['taskset', ['-c', clientCpus, cmd, ...args]];
}

/** The section's commands on fixed keys against the server on `port`, unmeasured. */
function warmUp(port, run) {
  const args = ['-p', String(port), '-P', String(run.pipeline), '-t', run.tests, '-n', String(run.warmRequests), '-q'];
  const r = spawnSync(...onClientCpus('redis-benchmark', args), { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`warm-up against port ${port} failed`);
}

/**
 * From bench-vs-redis's --raw runs (round,test,server,n,rps,server_cpu_s): per test, the median
 * and range over rounds of Larder's throughput and CPU per request, each divided by Redis's in
 * the same round.
 */
function printPairedRatios(csv) {
  const byTest = new Map();
  for (const line of csv.trim().split('\n')) {
    const [round, test, server, n, rps, cpu] = line.split(',');
    const rounds = byTest.get(test) ?? byTest.set(test, new Map()).get(test);
    const pair = rounds.get(round) ?? rounds.set(round, {}).get(round);
    pair[server === 'redis' ? 'redis' : 'target'] = { rps: Number(rps), cpu: cpu ? Number(cpu) / Number(n) : NaN };
  }
  const summary = (ratios) => {
    const ok = ratios.filter((r) => Number.isFinite(r) && r > 0);
    if (ok.length === 0) return `${'-'.padStart(8)}  ${''.padEnd(10)}`;
    return `${median(ok).toFixed(2).padStart(8)}  ${`${Math.min(...ok).toFixed(2)}..${Math.max(...ok).toFixed(2)}`.padEnd(10)}`;
  };
  console.log('# paired by round (Larder/Redis in the same round): median and range over rounds');
  console.log(`${'#   test'.padEnd(16)}${'rps'.padStart(8)}  ${'range'.padEnd(10)}${'cpu/req'.padStart(8)}  range`);
  for (const [test, rounds] of byTest) {
    const pairs = [...rounds.values()].filter((p) => p.target && p.redis);
    const rps = summary(pairs.map((p) => p.target.rps / p.redis.rps));
    const cpu = summary(pairs.map((p) => p.target.cpu / p.redis.cpu));
    console.log(`${('#   ' + test).padEnd(16)}${rps}${cpu}`);
  }
}

// Both servers start fresh for each section, so that both hold the same data (none of an earlier
// section's lists and keys).
let status = 0;
for (const run of runs) {
  console.log(`\n## ${run.title}`);
  const [port, redisPort] = [await freePort(), await freePort()];
  const larder = await startServer(path.join(root, 'bin/larder-server'), [], port, serverCpus);
  const redis = await startServer('redis-server', [], redisPort, serverCpus);
  for (const [name, server] of [['larder', larder], ['redis-server', redis]]) {
    if (!server.ready) {
      console.error(`${name} did not start`);
      process.exit(2);
    }
  }
  warmUp(port, run);
  warmUp(redisPort, run);
  console.log(pinned ? `# servers on CPU ${serverCpus}, redis-benchmark on CPU ${clientCpus}` : '# not pinned to CPUs');
  console.log(`# both servers warmed up: -P ${run.pipeline} -n ${run.warmRequests} of ${run.tests} on fixed keys`);
  const raw = path.join(larder.dir, 'bench-runs.csv');
  const args = [String(port), String(redisPort), '--rounds', '5', '--pipeline', String(run.pipeline), '--tests', run.tests, ...run.args, ...extra, '--raw', raw];
  const r = spawnSync(...onClientCpus(tool, args), { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) status = r.status ?? 1;
  larder.child.kill('SIGTERM');
  redis.child.kill('SIGTERM');
  if (fs.existsSync(raw)) printPairedRatios(fs.readFileSync(raw, 'utf8'));
  fs.rmSync(larder.dir, { recursive: true, force: true });
  fs.rmSync(redis.dir, { recursive: true, force: true });
}
process.exit(status);
