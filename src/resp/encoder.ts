// Renders typed replies as RESP2 or RESP3 text (latin1: one char per byte), with Redis's RESP2
// downgrades: map -> flat array, set -> array, double -> bulk string, null -> `$-1` / `*-1`,
// boolean -> integer, verbatim -> bulk string, push -> array.

import {
  AttributeReply, BigNumberReply, BoolReply, DoubleReply, ErrorReply, MapReply, NoReply, NullArray, PushReply,
  SetReply, SimpleString, VerbatimReply, type Reply,
} from './reply.js';
import { formatDouble, formatInteger } from '../util/numbers.js';

// Bulk headers (`$N\r\n`) and integer replies (`:N\r\n`) for small N, made once: a reply then
// takes one concatenation fewer per piece (as Redis keeps shared headers for small lengths).
const SHARED_LIMIT = 1024;
const BULK_HEADERS: string[] = [];
const INTEGER_REPLIES: string[] = [];
for (let i = 0; i < SHARED_LIMIT; i++) {
  BULK_HEADERS.push('$' + i + '\r\n');
  INTEGER_REPLIES.push(':' + i + '\r\n');
}

function bytesToLatin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).latin1Slice(0, bytes.byteLength);
}

export function encodeBulk(s: string): string {
  const n = s.length;
  return (n < SHARED_LIMIT ? BULK_HEADERS[n] : '$' + n + '\r\n') + s + '\r\n';
}

/** Error text as Redis sends it: newlines would break the protocol, so they become spaces. */
export function encodeError(message: string): string {
  if (message.indexOf('\r') >= 0 || message.indexOf('\n') >= 0) message = message.replace(/[\r\n]/g, ' ');
  return '-' + message + '\r\n';
}

export function encodeReply(reply: Reply, resp: number): string {
  switch (typeof reply) {
    case 'string':
      return encodeBulk(reply);
    case 'number':
      return reply >= 0 && reply < SHARED_LIMIT && Number.isInteger(reply) ? INTEGER_REPLIES[reply] : ':' + formatInteger(reply) + '\r\n';
    case 'bigint':
      return ':' + reply.toString() + '\r\n';
  }
  if (reply === null) return resp === 2 ? '$-1\r\n' : '_\r\n';
  if (Array.isArray(reply)) {
    // An array of bulk strings may carry its own RESP text (identical in RESP2 and RESP3).
    const pre = (reply as { encoded?: string }).encoded;
    if (pre !== undefined) return pre;
    let out = '*' + reply.length + '\r\n';
    for (let i = 0; i < reply.length; i++) out += encodeReply(reply[i], resp);
    return out;
  }
  if (reply instanceof SimpleString) return reply.encoded;
  if (reply instanceof ErrorReply) return encodeError(reply.message);
  if (reply instanceof Uint8Array) {
    return '$' + reply.byteLength + '\r\n' + bytesToLatin1(reply) + '\r\n';
  }
  if (reply instanceof DoubleReply) {
    const text = reply.text ?? formatDouble(reply.value);
    return resp === 2 ? '$' + text.length + '\r\n' + text + '\r\n' : ',' + text + '\r\n';
  }
  if (reply instanceof MapReply) {
    const items = reply.items;
    let out = resp === 2 ? '*' + items.length + '\r\n' : '%' + items.length / 2 + '\r\n';
    for (let i = 0; i < items.length; i++) out += encodeReply(items[i], resp);
    return out;
  }
  if (reply instanceof SetReply || reply instanceof PushReply) {
    const items = reply.items;
    const prefix = resp === 2 ? '*' : reply instanceof SetReply ? '~' : '>';
    let out = prefix + items.length + '\r\n';
    for (let i = 0; i < items.length; i++) out += encodeReply(items[i], resp);
    return out;
  }
  if (reply instanceof NullArray) return resp === 2 ? '*-1\r\n' : '_\r\n';
  if (reply instanceof BoolReply) {
    if (resp === 2) return reply.value ? ':1\r\n' : ':0\r\n';
    return reply.value ? '#t\r\n' : '#f\r\n';
  }
  if (reply instanceof VerbatimReply) {
    if (resp === 2) return '$' + reply.text.length + '\r\n' + reply.text + '\r\n';
    return '=' + (reply.text.length + 4) + '\r\n' + reply.format + ':' + reply.text + '\r\n';
  }
  if (reply instanceof BigNumberReply) {
    return resp === 2 ? '$' + reply.digits.length + '\r\n' + reply.digits + '\r\n' : '(' + reply.digits + '\r\n';
  }
  if (reply instanceof AttributeReply) {
    if (resp === 2) return encodeReply(reply.reply, resp);
    const attrs = reply.attributes;
    let out = '|' + attrs.length / 2 + '\r\n';
    for (let i = 0; i < attrs.length; i++) out += encodeReply(attrs[i], resp);
    return out + encodeReply(reply.reply, resp);
  }
  if (reply instanceof NoReply) return '';
  throw new Error('unknown reply type');
}
