// Connection commands: PING, ECHO, SELECT, QUIT, AUTH, HELLO, RESET.

import { existingReplication } from '../replication/replication.js';
import { cstr, err, Errors, MapReply, OK, PONG, SimpleString, type Reply } from '../resp/reply.js';
import { ClientFlag, ReplyMode, type Client } from '../server/client.js';
import { REDIS_VERSION } from '../server/server.js';
import { authenticate, defaultAuth } from '../server/auth.js';
import { parseInt64 } from '../util/numbers.js';
import type { Family } from './command.js';
import { intArg } from './args.js';

const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';

/**
 * Hides an argument from whatever looks at the request after it ran (MONITOR, the slowlog), as
 * Redis does with credentials.
 */
export function redact(argv: string[], index: number): void {
  argv[index] = '(redacted)';
}
const RESET = new SimpleString('RESET');

/**
 * Sets (or, with "", clears) the connection name: printable ASCII without spaces only, so that
 * CLIENT LIST lines stay splittable. False when the name is refused.
 */
export function setClientName(c: Client, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch < 33 || ch > 126) return false;
  }
  c.name = name;
  return true;
}

export const NAME_ERROR = 'ERR Client names cannot contain spaces, newlines or special characters.';

/**
 * RESET: returns the connection to the state of a new one. Families undo their own state
 * (MULTI/WATCH, subscriptions, tracking, MONITOR) through server.resetHooks.
 */
export function resetConnection(c: Client): void {
  for (const hook of c.server.resetHooks) hook(c);
  c.flags &= ~(ClientFlag.Multi | ClientFlag.DirtyCas | ClientFlag.DirtyExec | ClientFlag.PubSub | ClientFlag.Tracking |
    ClientFlag.Monitor | ClientFlag.ReadOnly | ClientFlag.NoEvict | ClientFlag.NoTouch);
  c.selectDb(0);
  c.resp = 2;
  defaultAuth(c);
  c.name = '';
  // CLIENT REPLY OFF and a pending SKIP end; a SKIP that silences this very command stays.
  if (c.replyMode !== ReplyMode.Skip) c.replyMode = ReplyMode.On;
}

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
  auth: {
    run: (c, argv): Reply => {
      if (argv.length > 3) err(Errors.syntax);
      let user: string;
      let password: string;
      // Credentials never reach MONITOR or the slowlog, which see argv after the command.
      const secret = argv.slice(1);
      redact(argv, 1);
      if (argv.length === 3) redact(argv, 2);
      if (argv.length === 2) {
        if (!c.server.requiresAuth()) {
          err('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
        }
        user = 'default';
        password = secret[0];
      } else {
        user = secret[0];
        password = secret[1];
      }
      if (!authenticate(c, user, password)) err(WRONGPASS);
      return OK;
    },
  },
  hello: {
    run: (c, argv): Reply => {
      let version = 0;
      let i = 1;
      if (argv.length >= 2) {
        const v = parseInt64(argv[1]);
        if (v === undefined) err('ERR Protocol version is not an integer or out of range');
        if (v !== 2 && v !== 3) err('NOPROTO unsupported protocol version');
        version = v;
        i = 2;
      }
      for (; i < argv.length; i++) {
        const more = argv.length - 1 - i;
        const option = argv[i].toLowerCase();
        if (option === 'auth' && more >= 2) {
          const [user, password] = [argv[i + 1], argv[i + 2]];
          redact(argv, i + 1);
          redact(argv, i + 2);
          if (!authenticate(c, user, password)) err(WRONGPASS);
          i += 2;
        } else if (option === 'setname' && more >= 1) {
          if (!setClientName(c, argv[i + 1])) err(NAME_ERROR);
          i++;
        } else {
          err(`ERR Syntax error in HELLO option '${cstr(argv[i])}'`);
        }
      }
      if (!c.authenticated) {
        err('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
      }
      if (version !== 0) c.resp = version;
      return new MapReply([
        'server', 'redis',
        'version', REDIS_VERSION,
        'proto', c.resp,
        'id', c.id,
        'mode', 'standalone',
        'role', existingReplication(c.server)?.masterHost != null ? 'replica' : 'master',
        'modules', [],
      ]);
    },
  },
  reset: {
    run: (c): Reply => {
      if ((c.flags & ClientFlag.Master) !== 0 || ((c.flags & ClientFlag.Replica) !== 0 && (c.flags & ClientFlag.Monitor) === 0)) {
        err('ERR can only reset normal client connections');
      }
      resetConnection(c);
      return RESET;
    },
  },
};
