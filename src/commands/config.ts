// CONFIG GET / SET / RESETSTAT / REWRITE / HELP.

import type { Family } from './command.js';
import { SettingFlag } from '../config/config.js';
import { rewriteConfig } from '../config/rewrite.js';
import { strerror } from '../config/settings.js';
import { err, Errors, MapReply, OK, type Reply } from '../resp/reply.js';
import { helpReply } from './help.js';
import { redactArgument } from './slowlog.js';
import { resetStats } from './info.js';

export const configFamily: Family = {
  config: {
    subcommands: {
      get: {
        run: (c, argv): Reply => {
          const out: Reply[] = [];
          for (const [name, value] of c.server.config.matching(argv.slice(2))) out.push(name, value);
          return new MapReply(out);
        },
      },
      set: {
        run: (c, argv): Reply => {
          if (argv.length % 2 !== 0) err(Errors.syntax);
          const config = c.server.config;
          const pairs: [string, string][] = [];
          for (let i = 2; i < argv.length; i += 2) pairs.push([argv[i], argv[i + 1]]);
          // Values of sensitive settings never reach the slowlog or MONITOR, even on errors.
          for (let i = 2; i < argv.length; i += 2) {
            const s = config.lookup(argv[i]);
            if (s && (s.flags ?? 0) & SettingFlag.Sensitive) redactArgument(argv, i + 1);
          }
          const r = config.set(pairs, { allowProtected: c.server.allowProtected('enable-protected-configs', c) });
          if (!r.ok) err(r.message);
          return OK;
        },
      },
      resetstat: {
        run: (c) => {
          resetStats(c.server);
          return OK;
        },
      },
      rewrite: {
        run: (c) => {
          const server = c.server;
          const file = server.config.file;
          if (file === null) err('ERR The server is running without a config file');
          try {
            rewriteConfig(server.config, file);
          } catch (e) {
            server.log('warning', `CONFIG REWRITE failed: ${strerror(e)}`);
            err(`ERR Rewriting config file: ${strerror(e)}`);
          }
          server.log('warning', 'CONFIG REWRITE executed with success.');
          return OK;
        },
      },
      help: {
        run: () =>
          helpReply('config', [
            'GET <pattern>',
            '    Return the parameters whose names match the glob-style <pattern>, with their values.',
            'SET <directive> <value>',
            '    Set the configuration <directive> to <value>.',
            'RESETSTAT',
            '    Reset the statistics INFO reports.',
            'REWRITE',
            '    Write the current configuration back to the configuration file.',
          ]),
      },
    },
  },
};
