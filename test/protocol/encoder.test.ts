// Reply shapes in RESP2 and RESP3, as Redis writes them (the forms DEBUG PROTOCOL produces):
// attributes, pushes, maps, sets, doubles, big numbers, booleans, verbatim strings, nulls.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeError, encodeReply } from '../../src/resp/encoder.js';
import {
  AttributeReply, BigNumberReply, BoolReply, DoubleReply, MapReply, NIL_ARRAY, PushReply, SetReply, SimpleString, VerbatimReply,
} from '../../src/resp/reply.js';

test('attributes precede the reply in RESP3 and are dropped in RESP2', () => {
  const r = new AttributeReply(['key-popularity', ['key:123', 90]], 'Some real reply following the attribute');
  assert.equal(encodeReply(r, 3),
    '|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n');
  assert.equal(encodeReply(r, 2), '$39\r\nSome real reply following the attribute\r\n');
});

test('pushes are > in RESP3 and arrays in RESP2', () => {
  const r = new PushReply(['message', 'ch', 'hi']);
  assert.equal(encodeReply(r, 3), '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n');
  assert.equal(encodeReply(r, 2), '*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n');
});

test('maps, sets, doubles, big numbers, booleans, verbatim strings and nulls', () => {
  const cases: [unknown, string, string][] = [
    [new MapReply([0, new BoolReply(false), 1, new BoolReply(true)]), '%2\r\n:0\r\n#f\r\n:1\r\n#t\r\n', '*4\r\n:0\r\n:0\r\n:1\r\n:1\r\n'],
    [new SetReply([0, 1, 2]), '~3\r\n:0\r\n:1\r\n:2\r\n', '*3\r\n:0\r\n:1\r\n:2\r\n'],
    [new DoubleReply(3.141), ',3.141\r\n', '$5\r\n3.141\r\n'],
    [new BigNumberReply('1234567999999999999999999999999999999'), '(1234567999999999999999999999999999999\r\n', '$37\r\n1234567999999999999999999999999999999\r\n'],
    [new VerbatimReply('This is a verbatim\nstring'), '=29\r\ntxt:This is a verbatim\nstring\r\n', '$25\r\nThis is a verbatim\nstring\r\n'],
    [null, '_\r\n', '$-1\r\n'],
    [NIL_ARRAY, '_\r\n', '*-1\r\n'],
    [new SimpleString('OK'), '+OK\r\n', '+OK\r\n'],
  ];
  for (const [reply, resp3, resp2] of cases) {
    assert.equal(encodeReply(reply as never, 3), resp3);
    assert.equal(encodeReply(reply as never, 2), resp2);
  }
});

test('error replies never break the protocol', () => {
  assert.equal(encodeError('ERR a\r\nb\nc'), '-ERR a  b c\r\n');
});
