// Argument parsing for handlers, with Redis's error replies.

import { err, Errors } from '../resp/reply.js';
import { parseDouble, parseInt64 } from '../util/numbers.js';

/** An int64 argument (number when safe, bigint beyond); "value is not an integer" otherwise. */
export function int64Arg(s: string, message: string = Errors.notInteger): number | bigint {
  const v = parseInt64(s);
  if (v === undefined) err(message);
  return v;
}

/** An integer argument as a number (big values lose precision; fine for counts and indexes). */
export function intArg(s: string, message: string = Errors.notInteger): number {
  const v = parseInt64(s);
  if (v === undefined) err(message);
  return typeof v === 'bigint' ? Number(v) : v;
}

/** A non-negative integer argument below 2^31 (Redis's getPositiveLongFromObjectOrReply-style). */
export function countArg(s: string, message: string): number {
  const v = intArg(s);
  if (v < 0) err(message);
  return v;
}

export function doubleArg(s: string, message: string = Errors.notFloat): number {
  const v = parseDouble(s);
  if (v === undefined) err(message);
  return v;
}

/** Case-insensitive comparison of an argument with an upper-case token. */
export function isToken(arg: string, token: string): boolean {
  return arg.length === token.length && (arg === token || arg.toUpperCase() === token);
}
