// Every command family, registered into the command table at startup.

import type { Family } from './command.js';
import { bitmaps } from './bitmaps.js';
import { connection } from './connection.js';
import { hyperloglog } from './hyperloglog.js';
import { keys } from './keys.js';
import { strings } from './strings.js';

export const allFamilies: Family[] = [connection, keys, strings, bitmaps, hyperloglog];
