// Connection commands: PING, ECHO, SELECT, QUIT, AUTH, HELLO, RESET.

import { err, NO_REPLY, OK, PONG, type Reply } from '../resp/reply.js';
import { ClientFlag } from '../server/client.js';
import type { Family } from './command.js';
import { intArg } from './args.js';

export const connection: Family = {
  ping: {
    run: (c, argv) => {
      if (argv.length > 2) err(`ERR wrong number of arguments for 'ping' command`);
      if (c.has(ClientFlag.PubSub) && c.resp === 2) return ['pong', argv.length === 2 ? argv[1] : ''];
      return argv.length === 2 ? argv[1] : PONG;
    },
  },
  echo: { run: (_c, argv) => argv[1] },
  select: {
    run: (c, argv) => {
      const index = intArg(argv[1], 'ERR value is not an integer or out of range');
      // Redis reads the index as a C int.
      if (index < -2147483648 || index > 2147483647) err('ERR value is out of range, value must between -2147483648 and 2147483647');
      if (index < 0 || index >= c.server.dbs.length) err('ERR DB index is out of range');
      c.selectDb(index);
      return OK;
    },
  },
  quit: {
    run: (c): Reply => {
      c.flags |= ClientFlag.CloseAfterReply;
      return OK;
    },
  },
};
void NO_REPLY;
