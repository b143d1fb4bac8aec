// larder-server [config-file | -] [--name value ...]: starts the server the way redis-server
// starts: the config file (or stdin) with the command line options appended, Redis's fatal
// config error report, its startup log lines, the pid file, and a clean shutdown on SIGTERM
// and SIGINT.

import fs from 'node:fs';
import path from 'node:path';
import { LARDER_VERSION, REDIS_VERSION, Server } from './server/server.js';
import { allFamilies } from './commands/index.js';
import { ConfigLoadError, ConfigLoader, parseCommandLine } from './config/loader.js';
import { infoState } from './commands/info.js';
import { installSignalHandlers, shutdown } from './server/shutdown.js';
import { memoryMeter } from './engine/used-memory.js';
import { loadDataOnStartAsync, persistence, setupPersistence } from './persistence/persistence.js';
import { replication } from './replication/replication.js';
import { loadLua } from './scripting/lua.js';
import { startScripting } from './commands/scripting.js';

function version(): never {
  process.stdout.write(`Redis server v=${REDIS_VERSION} sha=00000000:0 malloc=libc bits=64 build=0000000000000000 (Larder ${LARDER_VERSION})\n`);
  process.exit(0);
}

function usage(): never {
  process.stderr.write(
    [
      'Usage: larder-server [/path/to/redis.conf] [options] [-]',
      '       larder-server - (read the configuration from standard input)',
      '       larder-server -v or --version',
      '       larder-server -h or --help',
      '',
      'Options are configuration directives with two dashes in front, appended to the file:',
      '       larder-server --port 7777',
      '       larder-server /etc/larder/6379.conf --loglevel verbose',
      "       echo 'maxmemory 128mb' | larder-server -",
      '',
    ].join('\n') + '\n',
  );
  process.exit(1);
}

/** Writes text to the log as is (the startup banner). */
function logRaw(server: Server, text: string): void {
  const file = server.config.values.logfile as string;
  if (file) {
    try {
      fs.appendFileSync(file, text, 'latin1');
      return;
    } catch {
      // fall back to stdout
    }
  }
  process.stdout.write(text);
}

function banner(port: number): string {
  const info = [
    `Larder ${LARDER_VERSION} (Redis ${REDIS_VERSION} compatible) 64 bit`,
    '',
    'Running in standalone mode',
    `Port: ${port}`,
    `PID: ${process.pid}`,
  ];
  const art = [
    '           .-------------.',
    '          (_______________)',
    '          |  .---------.  |',
    '          |  |  L A R  |  |',
    '          |  |  D E R  |  |',
    '          |  `---------\'  |',
    '          |_______________|',
  ];
  const lines = art.map((a, i) => (info[i] ? `${a.padEnd(36)}${info[i]}` : a));
  return lines.join('\n') + '\n\n';
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '-v' || args[0] === '--version') version();
  if (args[0] === '--help' || args[0] === '-h') usage();
  if (args[0] === '--test-memory' || args[0] === '--check-system') {
    process.stderr.write(`${args[0]} is not supported by Larder.\n`);
    process.exit(1);
  }

  const server = new Server();
  server.logRole = 'C';
  server.register(...allFamilies);
  server.config.directives.set('rename-command', (a) =>
    a.length === 2 ? server.commands.rename(a[0], a[1]) : 'Bad directive or wrong number of arguments',
  );

  const cmdline = parseCommandLine(args);
  const loader = new ConfigLoader(server.config);
  try {
    if (args.length > 0) loader.load(cmdline);
    loader.finish();
  } catch (e) {
    if (!(e instanceof ConfigLoadError)) throw e;
    if (e.asLog) server.log('warning', e.message);
    else process.stderr.write(e.report());
    process.exit(1);
  }
  server.config.file = cmdline.configFile;

  server.log('warning', 'oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo');
  server.log('warning', `Redis version=${REDIS_VERSION}, bits=64, commit=00000000, modified=0, pid=${process.pid}, just started`);
  server.log('warning', `Larder version=${LARDER_VERSION}, node=${process.version}`);
  if (cmdline.noArguments) {
    server.log('warning', `Warning: no config file specified, using the default config. In order to specify a config file use ${process.argv[1]} /path/to/redis.conf`);
  } else {
    server.log('warning', 'Configuration loaded');
  }
  if (loader.moduleSettings.size > 0) {
    server.log('warning', 'Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting');
    process.exit(1);
  }

  try {
    server.init();
  } catch (e) {
    server.log('warning', `Fatal error while applying the configuration: ${(e as Error).message}`);
    process.exit(1);
  }
  setupPersistence(server);
  // The Lua VM (WebAssembly) loads asynchronously, once, before any client is served; its
  // memory is part of the runtime left out of used memory.
  await loadLua();
  startScripting(server);
  memoryMeter(server).excludeRuntime();
  infoState(server).markStartup();
  const repl = replication(server);
  // A replica (replicaof) never expires keys itself, loading included.
  if (server.config.values.replicaof !== null) server.keepExpiredKeys = true;
  // The final AOF fsync and RDB save; a failed save keeps the server running unless FORCE.
  shutdown(server).steps.push((ctx) => persistence(server).prepareShutdown({ save: ctx.save, nosave: !ctx.save }) || ctx.force);
  server.logRole = 'M';
  infoState(server).executable = path.resolve(process.env.LARDER_EXECUTABLE ?? process.argv[1] ?? '');

  const v = server.config.values;
  const pidfile = (v.pidfile as string) || ((v.daemonize as boolean) ? '/var/run/redis.pid' : '');
  if (pidfile) {
    try {
      fs.writeFileSync(pidfile, `${process.pid}\n`);
    } catch {
      // best effort, as Redis
    }
    shutdown(server).pidfile = pidfile;
  }
  const showLogo = (v['always-show-logo'] as boolean) || (process.stdout.isTTY && !v.logfile && !v['syslog-enabled']);
  if (showLogo) logRaw(server, banner(v.port as number));
  else server.log('notice', `Running mode=standalone, port=${v.port}.`);
  server.log('warning', 'Server initialized');

  installSignalHandlers(server);
  try {
    await server.listen();
  } catch (e) {
    server.log('warning', `Warning: ${(e as Error).message}`);
    server.log('warning', `Failed listening on port ${v.port} (TCP), aborting.`);
    process.exit(1);
  }
  if ((v.port as number) === 0 && !v.unixsocket) {
    server.log('warning', 'Configured to not listen anywhere, exiting.');
    process.exit(1);
  }
  // As in Redis, the server listens while it loads the dataset (clients get LOADING meanwhile;
  // a bad file exits).
  await loadDataOnStartAsync(server);
  // The replication state the RDB recorded; a replica starts connecting to its master.
  repl.afterStartupLoad();
  if ((v.port as number) !== 0) server.log('notice', 'Ready to accept connections');
  if (v.unixsocket) server.log('notice', `The server is now ready to accept connections at ${v.unixsocket}`);
  const maxmemory = v.maxmemory as number;
  if (maxmemory > 0 && maxmemory < 1024 * 1024) {
    server.log('warning', `WARNING: You specified a maxmemory value that is less than 1MB (current value is ${maxmemory} bytes). Are you sure this is what you really want?`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
