// Every command family, registered into the command table at startup.

import type { Family } from './command.js';
import { connection } from './connection.js';
import { keys } from './keys.js';
import { monitorCommands } from './monitor.js';
import { pubsubCommands } from './pubsub.js';
import { strings } from './strings.js';
import { trackingCommands } from './tracking.js';
import { transactionCommands } from './transactions.js';

// trackingCommands adds subcommands to CLIENT: it comes after the family that defines CLIENT.
export const allFamilies: Family[] = [connection, keys, strings, transactionCommands, pubsubCommands, monitorCommands, trackingCommands];
