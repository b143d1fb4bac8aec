// Every command family, registered into the command table at startup.

import type { Family } from './command.js';
import { client } from './client.js';
import { connection } from './connection.js';
import { introspection } from './introspection.js';
import { keys } from './keys.js';
import { strings } from './strings.js';
import { lists } from './lists.js';
import { hashes } from './hashes.js';
import { sets } from './sets.js';
import { configFamily } from './config.js';
import { infoFamily } from './info.js';
import { slowlogFamily } from './slowlog.js';
import { latencyFamily } from './latency.js';
import { debugFamily } from './debug.js';
import { memoryFamily } from './memory.js';
import { adminFamily } from './admin.js';

export const allFamilies: Family[] = [
  connection, client, introspection, keys, strings, lists, hashes, sets,
  configFamily, infoFamily, slowlogFamily, latencyFamily, debugFamily, memoryFamily, adminFamily,
];
