// INFO: Redis's sections and field names, with Larder's values. Each section is built as a
// list of fields and then passed through the server's InfoRegistry, where other families
// supply values (blocked clients, pub/sub channels, persistence…) or replace whole sections.

import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Family } from './command.js';
import type { Server } from '../server/server.js';
import { ClientFlag } from '../server/client.js';
import { VerbatimReply } from '../resp/reply.js';
import { LARDER_VERSION, REDIS_VERSION } from '../server/server.js';
import type { InfoFields } from '../server/info-registry.js';
import { trimmedFixed } from '../config/types.js';
import { allCommands } from './latency.js';
import { memoryMeter, usedMemory } from '../engine/used-memory.js';

// ---- Process-wide measurements kept between INFO calls ----

const METRIC_SAMPLES = 16;

class Metric {
  private readonly samples = new Float64Array(METRIC_SAMPLES);
  private idx = 0;
  private lastTime = Date.now();
  private lastValue = 0;

  sample(now: number, value: number): void {
    const t = now - this.lastTime;
    const ops = value - this.lastValue;
    this.samples[this.idx] = t > 0 ? (ops * 1000) / t : 0;
    this.idx = (this.idx + 1) % METRIC_SAMPLES;
    this.lastTime = now;
    this.lastValue = value;
  }

  average(): number {
    let sum = 0;
    for (let i = 0; i < METRIC_SAMPLES; i++) sum += this.samples[i];
    return sum / METRIC_SAMPLES;
  }

  reset(value: number): void {
    this.samples.fill(0);
    this.idx = 0;
    this.lastTime = Date.now();
    this.lastValue = value;
  }
}

export class InfoState {
  /** Memory in use once the server was set up (INFO used_memory_startup). */
  startupMemory: number;
  peakMemory: number;
  /** The binary users started (INFO executable). */
  executable = path.resolve(process.argv[1] ?? '');
  /** Replication ids (INFO replication until replication reports its own). */
  replId = crypto.randomBytes(20).toString('hex');
  replId2 = '0'.repeat(40);
  readonly ops = new Metric();
  readonly netIn = new Metric();
  readonly netOut = new Metric();
  private lastSample = 0;

  constructor(private readonly server: Server) {
    this.startupMemory = usedMemory(server);
    this.peakMemory = this.startupMemory;
  }

  /**
   * Measures the startup figures again once the runtime's own heap is left out of used memory
   * (MemoryMeter.excludeRuntime), before any data loads: until then they include it.
   */
  markStartup(): void {
    this.startupMemory = usedMemory(this.server);
    this.peakMemory = this.startupMemory;
  }

  /** Called from cron: peak memory and the instantaneous rates (sampled every 100 ms). */
  tick(): void {
    const now = Date.now();
    if (now - this.lastSample < 100) return;
    this.lastSample = now;
    const s = this.server.stats;
    this.ops.sample(now, s.commands);
    this.netIn.sample(now, s.netInputBytes);
    this.netOut.sample(now, s.netOutputBytes);
    const used = memoryMeter(this.server).last();
    if (used > this.peakMemory) this.peakMemory = used;
  }

  resetRates(): void {
    const s = this.server.stats;
    this.ops.reset(s.commands);
    this.netIn.reset(s.netInputBytes);
    this.netOut.reset(s.netOutputBytes);
  }
}

export function infoState(server: Server): InfoState {
  return server.state('info', () => new InfoState(server));
}

/** Redis's human-readable byte counts (1.50K, 2.00M…). */
export function bytesToHuman(n: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${n}B`;
  for (let i = 0; i < units.length; i++) {
    const next = 1024 ** (i + 2);
    if (n < next) return `${(n / 1024 ** (i + 1)).toFixed(2)}${units[i]}`;
  }
  return `${n}B`;
}

/** Names as INFO may print them: '#', ':' and line breaks become '_'. */
function safe(name: string): string {
  return name.replace(/[#:\r\n]/g, '_');
}

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : x > 0 ? 'inf' : x < 0 ? '-inf' : 'nan');

/** rusage-style seconds.microseconds. */
function cpuTime(us: number): string {
  return `${Math.floor(us / 1e6)}.${String(Math.floor(us % 1e6)).padStart(6, '0')}`;
}

// ---- Memory overhead (INFO memory, MEMORY STATS) ----

export interface MemoryOverhead {
  used: number;
  rss: number;
  heapTotal: number;
  external: number;
  peak: number;
  startup: number;
  clientsNormal: number;
  clientsReplicas: number;
  replBacklog: number;
  aofBuffer: number;
  dbs: { id: number; main: number; expires: number }[];
  overheadTotal: number;
  totalKeys: number;
  dataset: number;
  datasetPerc: number;
  peakPerc: number;
  bytesPerKey: number;
}

/** A hash table's size the way Redis's dict grows: the next power of two. */
function slots(n: number): number {
  if (n === 0) return 0;
  let s = 4;
  while (s < n) s *= 2;
  return s;
}

export function memoryOverhead(server: Server): MemoryOverhead {
  const st = infoState(server);
  const m = process.memoryUsage();
  const used = usedMemory(server);
  if (used > st.peakMemory) st.peakMemory = used;
  let clientsNormal = 0;
  let clientsReplicas = 0;
  for (const c of server.clients.values()) {
    const bytes = c.outputLength() + c.parser.pendingBytes() + 1024;
    if (c.has(ClientFlag.Replica)) clientsReplicas += bytes;
    else clientsNormal += bytes;
  }
  let overhead = st.startupMemory + clientsNormal + clientsReplicas;
  const dbs: MemoryOverhead['dbs'] = [];
  let totalKeys = 0;
  for (const db of server.dbs) {
    const keys = db.keys.size;
    const expires = db.expires.size;
    if (keys === 0) continue;
    const main = keys * 24 + slots(keys) * 8;
    const exp = expires * 24 + slots(expires) * 8;
    dbs.push({ id: db.id, main, expires: exp });
    overhead += main + exp;
    totalKeys += keys;
  }
  const dataset = Math.max(0, used - overhead);
  const net = used > st.startupMemory ? used - st.startupMemory : 1;
  return {
    used, rss: m.rss, heapTotal: m.heapTotal, external: m.external, peak: st.peakMemory, startup: st.startupMemory,
    clientsNormal, clientsReplicas, replBacklog: 0, aofBuffer: 0, dbs, overheadTotal: overhead, totalKeys, dataset,
    datasetPerc: Math.fround((dataset * 100) / net), peakPerc: Math.fround((used * 100) / st.peakMemory),
    bytesPerKey: totalKeys ? Math.floor(net / totalKeys) : 0,
  };
}

// ---- Sections ----

type SectionBuilder = (server: Server) => InfoFields;

function serverSection(server: Server): InfoFields {
  const v = server.config.values;
  const uptime = Math.floor((Date.now() - server.startTime) / 1000);
  const fields: InfoFields = [
    ['redis_version', REDIS_VERSION],
    ['larder_version', LARDER_VERSION],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_build_id', buildId()],
    ['redis_mode', 'standalone'],
    ['os', `${os.type()} ${os.release()} ${os.machine()}`],
    ['arch_bits', 64],
    ['monotonic_clock', 'POSIX clock_gettime'],
    ['multiplexing_api', 'epoll'],
    ['atomicvar_api', 'c11-builtin'],
    ['gcc_version', '0.0.0'],
    ['process_id', process.pid],
    ['process_supervised', 'no'],
    ['run_id', server.runId],
    ['tcp_port', v.port as number],
    ['server_time_usec', Math.round((performance.timeOrigin + performance.now()) * 1000)],
    ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)],
    ['hz', v.hz as number],
    ['configured_hz', v.hz as number],
    ['lru_clock', Math.floor(Date.now() / 1000) & 0xffffff],
    ['executable', infoState(server).executable],
    ['config_file', server.config.file ?? ''],
    ['io_threads_active', 0],
  ];
  return fields;
}

let cachedBuildId = '';
function buildId(): string {
  if (!cachedBuildId) cachedBuildId = crypto.createHash('sha1').update(`larder-${LARDER_VERSION}-${process.version}`).digest('hex').slice(0, 15);
  return cachedBuildId;
}

function clientsSection(server: Server): InfoFields {
  let blocked = 0;
  let tracking = 0;
  let replicas = 0;
  let maxIn = 0;
  let maxOut = 0;
  for (const c of server.clients.values()) {
    if (c.has(ClientFlag.Blocked)) blocked++;
    if (c.has(ClientFlag.Tracking)) tracking++;
    if (c.has(ClientFlag.Replica) && !c.has(ClientFlag.Monitor)) replicas++;
    maxIn = Math.max(maxIn, c.parser.pendingBytes());
    maxOut = Math.max(maxOut, c.outputLength());
  }
  return [
    ['connected_clients', server.clients.size - replicas],
    ['cluster_connections', 0],
    ['maxclients', server.config.values.maxclients as number],
    ['client_recent_max_input_buffer', maxIn],
    ['client_recent_max_output_buffer', maxOut],
    // Clients held by CLIENT PAUSE count as blocked, as in Redis.
    ['blocked_clients', blocked + server.pausedClients.size],
    ['tracking_clients', tracking],
    ['clients_in_timeout_table', 0],
  ];
}

function memorySection(server: Server): InfoFields {
  const mh = memoryOverhead(server);
  const v = server.config.values;
  const maxmemory = v.maxmemory as number;
  const allocated = mh.used;
  const active = mh.heapTotal + mh.external;
  const resident = mh.rss;
  const total = os.totalmem();
  return [
    ['used_memory', mh.used],
    ['used_memory_human', bytesToHuman(mh.used)],
    ['used_memory_rss', mh.rss],
    ['used_memory_rss_human', bytesToHuman(mh.rss)],
    ['used_memory_peak', mh.peak],
    ['used_memory_peak_human', bytesToHuman(mh.peak)],
    ['used_memory_peak_perc', `${f2(mh.peakPerc)}%`],
    ['used_memory_overhead', mh.overheadTotal],
    ['used_memory_startup', mh.startup],
    ['used_memory_dataset', mh.dataset],
    ['used_memory_dataset_perc', `${f2(mh.datasetPerc)}%`],
    ['allocator_allocated', allocated],
    ['allocator_active', active],
    ['allocator_resident', resident],
    ['total_system_memory', total],
    ['total_system_memory_human', bytesToHuman(total)],
    ['used_memory_lua', 0],
    ['used_memory_vm_eval', 0],
    ['used_memory_lua_human', '0B'],
    ['used_memory_scripts_eval', 0],
    ['number_of_cached_scripts', 0],
    ['number_of_functions', 0],
    ['number_of_libraries', 0],
    ['used_memory_vm_functions', 0],
    ['used_memory_vm_total', 0],
    ['used_memory_vm_total_human', '0B'],
    ['used_memory_functions', 0],
    ['used_memory_scripts', 0],
    ['used_memory_scripts_human', '0B'],
    ['maxmemory', maxmemory],
    ['maxmemory_human', bytesToHuman(maxmemory)],
    ['maxmemory_policy', v['maxmemory-policy'] as string],
    ['allocator_frag_ratio', f2(Math.fround(active / allocated))],
    ['allocator_frag_bytes', active - allocated],
    ['allocator_rss_ratio', f2(Math.fround(resident / active))],
    ['allocator_rss_bytes', resident - active],
    ['rss_overhead_ratio', f2(Math.fround(mh.rss / resident))],
    ['rss_overhead_bytes', mh.rss - resident],
    ['mem_fragmentation_ratio', f2(Math.fround(mh.rss / mh.used))],
    ['mem_fragmentation_bytes', mh.rss - mh.used],
    ['mem_not_counted_for_evict', 0],
    ['mem_replication_backlog', mh.replBacklog],
    ['mem_total_replication_buffers', 0],
    ['mem_clients_slaves', mh.clientsReplicas],
    ['mem_clients_normal', mh.clientsNormal],
    ['mem_cluster_links', 0],
    ['mem_aof_buffer', mh.aofBuffer],
    ['mem_allocator', `v8-${process.versions.v8}`],
    ['active_defrag_running', 0],
    ['lazyfree_pending_objects', 0],
    ['lazyfreed_objects', 0],
  ];
}

function persistenceSection(server: Server): InfoFields {
  return [
    ['loading', 0],
    ['async_loading', 0],
    ['current_cow_peak', 0],
    ['current_cow_size', 0],
    ['current_cow_size_age', 0],
    ['current_fork_perc', '0.00'],
    ['current_save_keys_processed', 0],
    ['current_save_keys_total', 0],
    ['rdb_changes_since_last_save', server.dirty],
    ['rdb_bgsave_in_progress', 0],
    ['rdb_last_save_time', Math.floor(server.startTime / 1000)],
    ['rdb_last_bgsave_status', 'ok'],
    ['rdb_last_bgsave_time_sec', -1],
    ['rdb_current_bgsave_time_sec', -1],
    ['rdb_saves', 0],
    ['rdb_last_cow_size', 0],
    ['rdb_last_load_keys_expired', 0],
    ['rdb_last_load_keys_loaded', 0],
    ['aof_enabled', server.config.values.appendonly ? 1 : 0],
    ['aof_rewrite_in_progress', 0],
    ['aof_rewrite_scheduled', 0],
    ['aof_last_rewrite_time_sec', -1],
    ['aof_current_rewrite_time_sec', -1],
    ['aof_last_bgrewrite_status', 'ok'],
    ['aof_rewrites', 0],
    ['aof_rewrites_consecutive_failures', 0],
    ['aof_last_write_status', 'ok'],
    ['aof_last_cow_size', 0],
    ['module_fork_in_progress', 0],
    ['module_fork_last_cow_size', 0],
  ];
}

function statsSection(server: Server): InfoFields {
  const s = server.stats;
  const st = infoState(server);
  return [
    ['total_connections_received', s.connectionsReceived],
    ['total_commands_processed', s.commands],
    ['instantaneous_ops_per_sec', Math.floor(st.ops.average())],
    ['total_net_input_bytes', s.netInputBytes],
    ['total_net_output_bytes', s.netOutputBytes],
    ['total_net_repl_input_bytes', 0],
    ['total_net_repl_output_bytes', 0],
    ['instantaneous_input_kbps', (Math.floor(st.netIn.average()) / 1024).toFixed(2)],
    ['instantaneous_output_kbps', (Math.floor(st.netOut.average()) / 1024).toFixed(2)],
    ['instantaneous_input_repl_kbps', '0.00'],
    ['instantaneous_output_repl_kbps', '0.00'],
    ['rejected_connections', s.rejectedConnections],
    ['sync_full', 0],
    ['sync_partial_ok', 0],
    ['sync_partial_err', 0],
    ['expired_keys', s.expiredKeys],
    ['expired_stale_perc', (s.expiredStalePerc * 100).toFixed(2)],
    ['expired_time_cap_reached_count', s.expiredTimeCapReachedCount],
    ['expire_cycle_cpu_milliseconds', Math.floor(s.expireCycleCpuMs)],
    ['evicted_keys', s.evictedKeys],
    ['evicted_clients', 0],
    ['total_eviction_exceeded_time', 0],
    ['current_eviction_exceeded_time', 0],
    ['keyspace_hits', s.keyspaceHits],
    ['keyspace_misses', s.keyspaceMisses],
    ['pubsub_channels', 0],
    ['pubsub_patterns', 0],
    ['pubsubshard_channels', 0],
    ['latest_fork_usec', 0],
    ['total_forks', 0],
    ['migrate_cached_sockets', 0],
    ['slave_expires_tracked_keys', 0],
    ['active_defrag_hits', 0],
    ['active_defrag_misses', 0],
    ['active_defrag_key_hits', 0],
    ['active_defrag_key_misses', 0],
    ['total_active_defrag_time', 0],
    ['current_active_defrag_time', 0],
    ['tracking_total_keys', 0],
    ['tracking_total_items', 0],
    ['tracking_total_prefixes', 0],
    ['unexpected_error_replies', s.unexpectedErrorReplies],
    ['total_error_replies', s.errorReplies],
    ['dump_payload_sanitizations', 0],
    ['total_reads_processed', s.totalReadsProcessed],
    ['total_writes_processed', s.totalWritesProcessed],
    ['io_threaded_reads_processed', 0],
    ['io_threaded_writes_processed', 0],
    ['reply_buffer_shrinks', 0],
    ['reply_buffer_expands', 0],
  ];
}

function replicationSection(server: Server): InfoFields {
  const st = infoState(server);
  return [
    ['role', 'master'],
    ['connected_slaves', 0],
    ['master_failover_state', 'no-failover'],
    ['master_replid', st.replId],
    ['master_replid2', st.replId2],
    ['master_repl_offset', 0],
    ['second_repl_offset', -1],
    ['repl_backlog_active', 0],
    ['repl_backlog_size', server.config.values['repl-backlog-size'] as number],
    ['repl_backlog_first_byte_offset', 0],
    ['repl_backlog_histlen', 0],
  ];
}

function cpuSection(): InfoFields {
  const u = process.cpuUsage();
  return [
    ['used_cpu_sys', cpuTime(u.system)],
    ['used_cpu_user', cpuTime(u.user)],
    ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'],
    ['used_cpu_sys_main_thread', cpuTime(u.system)],
    ['used_cpu_user_main_thread', cpuTime(u.user)],
  ];
}

function commandStatsSection(server: Server): InfoFields {
  const out: InfoFields = [];
  for (const c of allCommands(server)) {
    if (!c.calls && !c.failedCalls && !c.rejectedCalls) continue;
    const perCall = c.calls === 0 ? 0 : Math.fround(Math.fround(c.usec) / c.calls);
    out.push([
      `cmdstat_${safe(c.fullName)}`,
      `calls=${c.calls},usec=${c.usec},usec_per_call=${perCall.toFixed(2)},rejected_calls=${c.rejectedCalls},failed_calls=${c.failedCalls}`,
    ]);
  }
  return out;
}

function errorStatsSection(server: Server): InfoFields {
  const codes = [...server.errorStats.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return codes.map((code) => [`errorstat_${safe(code)}`, `count=${server.errorStats.get(code)}`]);
}

function latencyStatsSection(server: Server): InfoFields {
  if (!server.latencyTracking) return [];
  const percentiles = server.config.values['latency-tracking-info-percentiles'] as number[];
  const out: InfoFields = [];
  for (const c of allCommands(server)) {
    const h = c.latency;
    if (!h) continue;
    const parts = percentiles.map((p) => `p${trimmedFixed(p)}=${(h.valueAtPercentile(p) / 1000).toFixed(3)}`);
    out.push([`latency_percentiles_usec_${safe(c.fullName)}`, parts.join(',')]);
  }
  return out;
}

function keyspaceSection(server: Server): InfoFields {
  const out: InfoFields = [];
  for (const db of server.dbs) {
    const keys = db.keys.size;
    const expires = db.expires.size;
    if (keys || expires) out.push([`db${db.id}`, `keys=${keys},expires=${expires},avg_ttl=${Math.floor(db.avgTtl)}`]);
  }
  return out;
}

/** Redis's sections in output order: name, title, builder. */
const SECTIONS: [string, string, SectionBuilder][] = [
  ['server', 'Server', serverSection],
  ['clients', 'Clients', clientsSection],
  ['memory', 'Memory', memorySection],
  ['persistence', 'Persistence', persistenceSection],
  ['stats', 'Stats', statsSection],
  ['replication', 'Replication', replicationSection],
  ['cpu', 'CPU', cpuSection],
  ['modules', 'Modules', () => []],
  ['commandstats', 'Commandstats', commandStatsSection],
  ['errorstats', 'Errorstats', errorStatsSection],
  ['latencystats', 'Latencystats', latencyStatsSection],
  ['cluster', 'Cluster', () => [['cluster_enabled', 0]]],
  ['keyspace', 'Keyspace', keyspaceSection],
];

const DEFAULT_SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'module_list', 'errorstats', 'cluster', 'keyspace'];

function formatValue(v: string | number | bigint): string {
  return typeof v === 'string' ? v : String(v);
}

/**
 * The INFO text for the requested section names (case-insensitive), with `default`, `all`
 * and `everything` as Redis reads them.
 */
export function infoText(server: Server, args: string[]): string {
  const wanted = new Set<string>();
  let all = false;
  if (args.length === 0) {
    for (const s of DEFAULT_SECTIONS) wanted.add(s);
    for (const x of server.info.extraSections) if (x.inDefault) wanted.add(x.name);
  }
  for (const a of args) {
    const name = a.toLowerCase();
    if (name === 'default') {
      for (const s of DEFAULT_SECTIONS) wanted.add(s);
      for (const x of server.info.extraSections) if (x.inDefault) wanted.add(x.name);
    } else if (name === 'all' || name === 'everything') {
      all = true;
    } else {
      wanted.add(name);
    }
  }
  const parts: string[] = [];
  const emit = (name: string, title: string, build: SectionBuilder) => {
    const replaced = server.info.sectionGenerator(name);
    const fields = server.info.apply(name, replaced ? replaced() : build(server));
    let text = `# ${title}\r\n`;
    for (const [k, v] of fields) text += `${k}:${formatValue(v)}\r\n`;
    parts.push(text);
  };
  for (const [name, title, build] of SECTIONS) {
    const asked = wanted.has(name) || (name === 'modules' && wanted.has('module_list'));
    if (all || asked) emit(name, title, build);
  }
  for (const x of server.info.extraSections) {
    if (all || wanted.has(x.name)) emit(x.name, x.title, () => []);
  }
  return parts.join('\r\n');
}

/** CONFIG RESETSTAT: Redis's statistics, per-command and error counters, and the families'. */
export function resetStats(server: Server): void {
  const s = server.stats;
  for (const k of Object.keys(s) as (keyof typeof s)[]) s[k] = 0;
  server.errorStats.clear();
  for (const c of allCommands(server)) {
    c.calls = 0;
    c.usec = 0;
    c.rejectedCalls = 0;
    c.failedCalls = 0;
    c.latency = null;
  }
  infoState(server).resetRates();
  server.info.reset();
}

export const infoFamily: Family = {
  info: { run: (c, argv) => new VerbatimReply(infoText(c.server, argv.slice(1))) },
};
