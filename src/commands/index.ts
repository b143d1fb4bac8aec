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

export const allFamilies: Family[] = [
  connection, keys, strings, lists, hashes, sets, client, introspection,
];
