// Every command family, registered into the command table at startup.

import type { Family } from './command.js';
import { client } from './client.js';
import { connection } from './connection.js';
import { introspection } from './introspection.js';
import { keys } from './keys.js';
import { monitorCommands } from './monitor.js';
import { pubsubCommands } from './pubsub.js';
import { strings } from './strings.js';
import { trackingCommands } from './tracking.js';
import { transactionCommands } from './transactions.js';
import { configFamily } from './config.js';
import { infoFamily } from './info.js';
import { slowlogFamily } from './slowlog.js';
import { latencyFamily } from './latency.js';
import { debugFamily } from './debug.js';
import { memoryFamily } from './memory.js';
import { adminFamily } from './admin.js';

// trackingCommands adds its subcommands to CLIENT: it comes after `client`.
export const allFamilies: Family[] = [
  connection, client, introspection, keys, strings,
  configFamily, infoFamily, slowlogFamily, latencyFamily, debugFamily, memoryFamily, adminFamily,
  transactionCommands, pubsubCommands, monitorCommands, trackingCommands,
];
