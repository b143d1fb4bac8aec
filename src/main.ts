// larder-server [config-file] [--name value ...]: starts the server, like redis-server.

import { Server } from './server/server.js';
import { allFamilies } from './commands/index.js';
import { loadDataOnStartAsync, persistence, setupPersistence } from './persistence/persistence.js';

async function main(): Promise<void> {
  const server = new Server();
  const args = process.argv.slice(2);
  const pairs: [string, string][] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) continue;
    const values: string[] = [];
    while (i + 1 < args.length && !args[i + 1].startsWith('--')) values.push(args[++i]);
    const name = a.slice(2).toLowerCase();
    // A repeated option overrides the earlier one, as in redis-server.
    const seen = pairs.findIndex(([n]) => n === name);
    if (seen >= 0) pairs.splice(seen, 1);
    pairs.push([name, values.join(' ')]);
  }
  const r = server.config.set(pairs, { startup: true });
  if (!r.ok) {
    console.error(r.message);
    process.exit(1);
  }
  server.register(...allFamilies);
  server.init();
  setupPersistence(server);
  const stop = (signal: string) => {
    server.log('warning', `Received ${signal} scheduling shutdown...`);
    // Final AOF fsync and RDB save (with save points); a failed save keeps the server running.
    if (!persistence(server).prepareShutdown()) return;
    server.log('warning', 'Redis is now ready to exit, bye bye...');
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Signal handlers are in place before anyone can see the server ready. As in Redis, the
  // server listens while it loads the dataset (clients get LOADING meanwhile; a bad file exits).
  await server.listen();
  await loadDataOnStartAsync(server);
  server.log('notice', `Ready to accept connections tcp`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
