// Replies shared by commands with subcommands: the HELP listing and the error for a
// subcommand that doesn't exist or has the wrong number of arguments.

import { SimpleString, type Reply } from '../resp/reply.js';

/**
 * A HELP reply in Redis's layout: a header naming the command, the given lines (syntax lines
 * and indented descriptions), and the HELP entry itself; every line a status reply.
 */
export function helpReply(command: string, lines: string[]): Reply {
  const out: Reply[] = [new SimpleString(`${command.toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`)];
  for (const l of lines) out.push(new SimpleString(l));
  out.push(new SimpleString('HELP'), new SimpleString('    Prints this help.'));
  return out;
}

/** Redis's error for an unknown subcommand or a wrong argument count (commands parsing argv[1] themselves). */
export function subcommandSyntaxError(argv: string[]): string {
  return `ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`;
}
