// Every command family, registered into the command table at startup.

import type { Family } from './command.js';
import { connection } from './connection.js';
import { geo } from './geo.js';
import { keys } from './keys.js';
import { strings } from './strings.js';
import { zsets } from './zsets.js';

export const allFamilies: Family[] = [connection, keys, strings, zsets, geo];
