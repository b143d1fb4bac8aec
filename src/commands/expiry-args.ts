// Expiry arguments (SET EX/PX/EXAT/PXAT, GETEX, EXPIRE family): validation and conversion to
// an absolute time in ms, with Redis's overflow checks done exactly (int64 arithmetic).

import { err } from '../resp/reply.js';
import { INT64_MAX, parseInt64 } from '../util/numbers.js';
import { Errors } from '../resp/reply.js';

export function expireTimeError(command: string): string {
  return `ERR invalid expire time in '${command}' command`;
}

/**
 * SET/GETEX expiry: a positive integer in seconds or ms, relative or absolute. Returns the
 * absolute time in ms (a bigint beyond 2^53, so that far times keep every digit).
 */
export function setExpireArg(text: string, seconds: boolean, relative: boolean, now: number, command: string): ExpireTime {
  const v = parseInt64(text);
  if (v === undefined) err(Errors.notInteger);
  if (typeof v === 'number' && v > 0 && v < 1e12) {
    const ms = seconds ? v * 1000 : v;
    return relative ? ms + now : ms;
  }
  let ms = BigInt(v);
  if (ms <= 0n || (seconds && ms > INT64_MAX / 1000n)) err(expireTimeError(command));
  if (seconds) ms *= 1000n;
  if (relative) {
    ms += BigInt(now);
    if (ms > INT64_MAX) err(expireTimeError(command));
  }
  return toExpireTime(ms);
}

/** An absolute expiry time in ms: a number when exact, else a bigint. */
export type ExpireTime = number | bigint;

export function toExpireTime(ms: bigint): ExpireTime {
  return ms <= 9007199254740991n && ms >= -9007199254740991n ? Number(ms) : ms;
}
