// Every command family, registered into the command table at startup. Families that add
// subcommands to another family's container command come after it.

import type { Family } from './command.js';
import { adminFamily } from './admin.js';
import { bitmaps } from './bitmaps.js';
import { client } from './client.js';
import { configFamily } from './config.js';
import { connection } from './connection.js';
import { debugFamily } from './debug.js';
import { dumpCommands } from './dump.js';
import { geo } from './geo.js';
import { hashes } from './hashes.js';
import { hyperloglog } from './hyperloglog.js';
import { infoFamily } from './info.js';
import { introspection } from './introspection.js';
import { keys } from './keys.js';
import { latencyFamily } from './latency.js';
import { lists } from './lists.js';
import { memoryFamily } from './memory.js';
import { monitorCommands } from './monitor.js';
import { persistenceCommands } from './persistence.js';
import { pubsubCommands } from './pubsub.js';
import { scripting } from './scripting.js';
import { functionCommands } from './functions.js';
import { sets } from './sets.js';
import { slowlogFamily } from './slowlog.js';
import { sortCommands } from './sort.js';
import { strings } from './strings.js';
import { trackingCommands } from './tracking.js';
import { transactionCommands } from './transactions.js';
import { zsets } from './zsets.js';
import { replicationCommands } from '../replication/commands.js';

export const allFamilies: Family[] = [
  connection, client, introspection, keys, strings, bitmaps, hyperloglog, lists, hashes, sets, zsets, geo, sortCommands, persistenceCommands, dumpCommands,
  configFamily, infoFamily, slowlogFamily, latencyFamily, debugFamily, memoryFamily, adminFamily,
  // trackingCommands adds its subcommands to CLIENT.
  transactionCommands, pubsubCommands, monitorCommands, trackingCommands, replicationCommands, scripting,
  functionCommands,
];
