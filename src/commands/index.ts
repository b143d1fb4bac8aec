// Every command family, registered into the command table at startup.

import type { Family } from './command.js';
import { connection } from './connection.js';
import { debugFallback } from './debug-persistence.js';
import { dumpCommands } from './dump.js';
import { keys } from './keys.js';
import { persistenceCommands } from './persistence.js';
import { strings } from './strings.js';

const families: Family[] = [connection, keys, strings, persistenceCommands, dumpCommands];

// A minimal DEBUG (RELOAD, LOADAOF, SLEEP) until the full one is part of a family.
if (!families.some((f) => 'debug' in f)) families.push(debugFallback);

export const allFamilies: Family[] = families;
