import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Differential } from '../helpers/differential.js';
import type { RespClient } from '../helpers/resp-client.js';
import { InfoRegistry } from '../../src/server/info-registry.js';
import { LatencyHistogram } from '../../src/util/histogram.js';

let d: Differential;
let larder: RespClient;
let redis: RespClient;
before(async () => {
  d = await Differential.start();
  [larder, redis] = await d.clients();
});
after(async () => {
  larder.close();
  redis.close();
  await d.close();
});

/** INFO text as sections: title -> [field, value] pairs. */
function parse(text: string): Map<string, [string, string][]> {
  const out = new Map<string, [string, string][]>();
  let current: [string, string][] | null = null;
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) {
      current = [];
      out.set(line.slice(2), current);
    } else if (line !== '') {
      const i = line.indexOf(':');
      current!.push([line.slice(0, i), line.slice(i + 1)]);
    }
  }
  return out;
}

async function info(c: RespClient, ...sections: string[]): Promise<string> {
  return String(await c.call('INFO', ...sections));
}

test('INFO reports the sections and fields of Redis, in its order', async () => {
  for (const args of [[], ['default'], ['all'], ['everything'], ['server', 'CPU', 'keyspace'], ['commandSTATS'], ['cpu', 'all'], ['modules']]) {
    const [a, b] = await Promise.all([info(larder, ...args), info(redis, ...args)]);
    const sa = parse(a);
    const sb = parse(b);
    assert.deepEqual([...sa.keys()], [...sb.keys()], JSON.stringify(args));
    for (const [title, fields] of sb) {
      if (['Commandstats', 'Errorstats', 'Latencystats', 'Keyspace'].includes(title)) continue;
      // Larder adds its own version right after Redis's.
      const names = sa.get(title)!.map((f) => f[0]).filter((n) => n !== 'larder_version');
      assert.deepEqual(names, fields.map((f) => f[0]), `${title} for ${JSON.stringify(args)}`);
    }
  }
  assert.equal(await info(larder, 'nosuchsection'), '');
  assert.match(await info(larder, 'server'), /^# Server\r\nredis_version:7\.0\.15\r\nlarder_version:\d+\.\d+\.\d+\r\n/);
});

test('INFO values that are not measurements match Redis', async () => {
  const fixed: Record<string, string[]> = {
    Server: ['redis_version', 'redis_git_sha1', 'redis_git_dirty', 'redis_mode', 'arch_bits', 'monotonic_clock', 'multiplexing_api',
      'atomicvar_api', 'process_supervised', 'hz', 'configured_hz', 'config_file', 'io_threads_active'],
    Clients: ['connected_clients', 'cluster_connections', 'maxclients', 'blocked_clients', 'tracking_clients', 'clients_in_timeout_table'],
    Memory: ['maxmemory', 'maxmemory_human', 'maxmemory_policy', 'mem_not_counted_for_evict', 'mem_replication_backlog', 'mem_cluster_links',
      'mem_aof_buffer', 'active_defrag_running', 'lazyfree_pending_objects', 'lazyfreed_objects'],
    Persistence: ['loading', 'async_loading', 'rdb_bgsave_in_progress', 'rdb_last_bgsave_status', 'aof_enabled', 'aof_rewrite_in_progress',
      'aof_last_bgrewrite_status', 'aof_last_write_status', 'module_fork_in_progress'],
    Replication: ['role', 'connected_slaves', 'master_failover_state', 'master_replid2', 'master_repl_offset', 'second_repl_offset',
      'repl_backlog_active', 'repl_backlog_size', 'repl_backlog_first_byte_offset', 'repl_backlog_histlen'],
    Cluster: ['cluster_enabled'],
  };
  const [a, b] = await Promise.all([info(larder, 'everything'), info(redis, 'everything')]);
  const sa = parse(a);
  const sb = parse(b);
  for (const [title, names] of Object.entries(fixed)) {
    const va = Object.fromEntries(sa.get(title)!);
    const vb = Object.fromEntries(sb.get(title)!);
    for (const n of names) assert.equal(va[n], vb[n], `${title}.${n}`);
  }
  assert.match(Object.fromEntries(sa.get('Server')!).process_id, /^\d+$/);
  // used_memory_human is used_memory in Redis's units (an empty server is near 1 MB, so K or M).
  const memory = Object.fromEntries(sa.get('Memory')!);
  const used = Number(memory.used_memory);
  assert.equal(memory.used_memory_human, used < 1024 * 1024 ? `${(used / 1024).toFixed(2)}K` : `${(used / 1024 / 1024).toFixed(2)}M`);
  // As in Redis: startup memory is part of what is used now, and the peak is at least that.
  const startup = Number(memory.used_memory_startup);
  assert.ok(startup > 0 && startup <= used && used <= Number(memory.used_memory_peak), `startup ${startup}, used ${used}, peak ${memory.used_memory_peak}`);
  assert.match(Object.fromEntries(sa.get('CPU')!).used_cpu_user, /^\d+\.\d{6}$/);
});

test('INFO stats, commandstats, errorstats and keyspace count as in Redis', async () => {
  const script = [
    ['CONFIG', 'RESETSTAT'], ['FLUSHALL'], ['SET', 'a', '1'], ['SET', 'b', '2', 'EX', '100'], ['GET', 'a'], ['GET', 'nosuch'],
    ['INCR', 'a'], ['SET'], ['NOSUCHCOMMAND'], ['INCR', 'b'], ['SET', 'c', 'x'], ['INCR', 'c'], ['CONFIG', 'GET', 'hz'], ['CONFIG', 'NOSUCH'],
    ['SELECT', '3'], ['SET', 'd', '1'], ['SELECT', '0'],
  ];
  for (const cmd of script) await Promise.all([larder.call(...cmd), redis.call(...cmd)]);
  const [a, b] = await Promise.all([info(larder, 'stats', 'commandstats', 'errorstats', 'keyspace'), info(redis, 'stats', 'commandstats', 'errorstats', 'keyspace')]);
  const sa = parse(a);
  const sb = parse(b);
  const stats = ['total_commands_processed', 'keyspace_hits', 'keyspace_misses', 'total_error_replies', 'expired_keys', 'evicted_keys'];
  const va = Object.fromEntries(sa.get('Stats')!);
  const vb = Object.fromEntries(sb.get('Stats')!);
  for (const n of stats) assert.equal(va[n], vb[n], n);
  const calls = (s: Map<string, [string, string][]>) =>
    (s.get('Commandstats') ?? []).map(([k, v]) => [k, v.replace(/usec=\d+,usec_per_call=[\d.]+,/, '')]).sort();
  assert.deepEqual(calls(sa), calls(sb));
  assert.deepEqual(sa.get('Errorstats'), sb.get('Errorstats'));
  assert.deepEqual(sa.get('Keyspace')!.map(([k, v]) => [k, v.replace(/avg_ttl=\d+/, '')]), sb.get('Keyspace')!.map(([k, v]) => [k, v.replace(/avg_ttl=\d+/, '')]));
});

test('INFO latencystats follows latency-tracking and its percentiles', async () => {
  for (const c of [larder, redis]) {
    await c.call('CONFIG', 'RESETSTAT');
    await c.call('CONFIG', 'SET', 'latency-tracking', 'no');
    await c.call('SET', 'a', 'b');
    assert.doesNotMatch(await info(c, 'latencystats'), /latency_percentiles_usec_set:/);
    await c.call('CONFIG', 'SET', 'latency-tracking', 'yes');
    await c.call('SET', 'a', 'b');
    assert.match(await info(c, 'latencystats'), /\r\nlatency_percentiles_usec_set:p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}\r\n/);
    assert.match(await info(c, 'latencystats'), /\r\nlatency_percentiles_usec_config\|set:p50=/);
    await c.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '0.0 50.0 100.0');
    assert.match(await info(c, 'latencystats'), /latency_percentiles_usec_set:p0=\d+\.\d{3},p50=\d+\.\d{3},p100=\d+\.\d{3}\r\n/);
    await c.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99 99.9');
    await c.call('CONFIG', 'RESETSTAT');
    assert.doesNotMatch(await info(c, 'latencystats'), /latency_percentiles_usec_set:/);
  }
});

test('INFO is a verbatim string in RESP3', async () => {
  assert.equal((await larder.send('HELLO', '3')).decoded.type, 'map');
  const r = await larder.send('INFO', 'cluster');
  assert.equal(r.raw.toString('latin1'), '=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n');
  await larder.send('HELLO', '2');
});

test('families add and replace INFO fields through the registry', () => {
  const reg = new InfoRegistry();
  let blocked = 3;
  reg.field('clients', 'blocked_clients', () => blocked);
  reg.field('clients', 'larder_new', () => 'x', { after: 'maxclients' });
  reg.field('clients', 'at_end', () => 7);
  reg.field('clients', 'absent', () => undefined);
  const fields: [string, string | number][] = [['connected_clients', 1], ['maxclients', 10], ['blocked_clients', 0]];
  assert.deepEqual(reg.apply('clients', fields.map((f) => [...f])), [
    ['connected_clients', 1], ['maxclients', 10], ['larder_new', 'x'], ['blocked_clients', 3], ['at_end', 7],
  ]);
  blocked = 5;
  assert.equal(reg.apply('clients', [['blocked_clients', 0]])[0][1], 5);
  reg.section('replication', () => [['role', 'slave']]);
  assert.deepEqual(reg.sectionGenerator('replication')!(), [['role', 'slave']]);
  reg.section('larder', () => [['x', 1]], { title: 'Larder' });
  assert.deepEqual(reg.extraSections, [{ name: 'larder', title: 'Larder', inDefault: false }]);
  let resets = 0;
  reg.onReset(() => resets++);
  reg.reset();
  assert.equal(resets, 1);
});

test('the latency histogram buckets and percentiles as Redis does', () => {
  const h = new LatencyHistogram();
  assert.equal(h.total, 0);
  h.record(1000);
  // 1000 ns falls in a bucket of width 4 at that magnitude: Redis reports 1.003 usec.
  assert.equal(h.valueAtPercentile(50), 1003);
  assert.equal(h.valueAtPercentile(0), 1000);
  h.record(0);
  assert.equal(h.valueAtPercentile(0), 1);
  for (let i = 0; i < 98; i++) h.record(50_000);
  assert.equal(h.total, 100);
  assert.equal(h.valueAtPercentile(50), 50_175);
  // Values above 1 s count as 1 s, whose bucket ends at 1002438655 ns.
  h.record(5e9);
  assert.equal(h.valueAtPercentile(100), 1_002_438_655);
  // Cumulative counts at doubling levels: 1 and 1000 ns under 1.024 usec, then the rest.
  assert.deepEqual(h.cumulative(1024, 2).map(([, n]) => n), [2, 100, 101]);
  // Each level is reported by the highest value of the bucket where the walk reached it.
  assert.deepEqual(h.cumulative(1024, 2).map(([ns]) => Math.floor(ns / 1000)), [1, 66, 1073741]);
});
