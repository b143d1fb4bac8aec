// Differential tests of the list commands (non-blocking forms, and blocking forms that don't
// block) against a real Redis, in RESP2 and RESP3.

import { after, before, test } from 'node:test';
import { Differential, type Script } from '../helpers/differential.js';
import { InProcessDifferential } from '../helpers/inprocess-diff.js';

let d: Differential;
let inproc: InProcessDifferential;
before(async () => {
  [d, inproc] = await Promise.all([Differential.start(), InProcessDifferential.start()]);
});
after(() => Promise.all([d.close(), inproc.close()]));

/** RESP2 end to end (Larder as a server process), and RESP3 (Larder in process). */
async function both(script: Script): Promise<void> {
  await d.check(script, { resp: 2 });
  await inproc.check(script, { resp: 3 });
}

test('LPUSH, RPUSH, LPUSHX, RPUSHX and LLEN', async () => {
  await both([
    ['LPUSH', 'l', 'a'], ['LPUSH', 'l', 'b', 'c'], ['RPUSH', 'l', 'd', 'e', 'f'], ['LLEN', 'l'], ['LRANGE', 'l', '0', '-1'],
    ['LPUSHX', 'l', 'x', 'y'], ['RPUSHX', 'l', 'z'], ['LRANGE', 'l', '0', '-1'],
    ['LPUSHX', 'nope', 'x'], ['RPUSHX', 'nope', 'x'], ['EXISTS', 'nope'], ['LLEN', 'nope'],
    ['SET', 's', 'v'], ['LPUSH', 's', 'a'], ['RPUSH', 's', 'a'], ['LPUSHX', 's', 'a'], ['RPUSHX', 's', 'a'], ['LLEN', 's'],
    ['LPUSH', 'l'], ['RPUSH'], ['LPUSHX', 'l'], ['LLEN'], ['LLEN', 'a', 'b'],
    ['RPUSH', 'bin', Buffer.from([0, 1, 2, 255, 13, 10]), ''], ['LRANGE', 'bin', '0', '-1'],
    ['RPUSH', 'ints', '1', '-1', '9223372036854775807', '-9223372036854775808', '01', '1.5', ' 2'], ['LRANGE', 'ints', '0', '-1'],
  ]);
});

test('LPOP and RPOP with and without count', async () => {
  await both([
    ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'],
    ['LPOP', 'l'], ['RPOP', 'l'], ['LPOP', 'l', '2'], ['RPOP', 'l', '0'], ['RPOP', 'l', '5'], ['EXISTS', 'l'],
    ['LPOP', 'l'], ['RPOP', 'l'], ['LPOP', 'l', '0'], ['LPOP', 'l', '3'], ['RPOP', 'l', '1'],
    ['RPUSH', 'l', 'a', 'b', 'c'], ['RPOP', 'l', '2'], ['LPOP', 'l', '10'],
    ['LPOP', 'l', '-1'], ['LPOP', 'l', 'x'], ['RPOP', 'l', '1', '2'], ['LPOP'],
    ['RPUSH', 'l', 'a'], ['LPOP', 'l', '-1'], ['LPOP', 'l', '9223372036854775808'], ['LPOP', 'l', '9223372036854775807'],
    ['SET', 's', 'v'], ['LPOP', 's'], ['RPOP', 's', '1'], ['LPOP', 's', '0'], ['LPOP', 's', 'x'],
  ]);
});

test('LINDEX, LSET and LRANGE', async () => {
  await both([
    ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f'],
    ['LINDEX', 'l', '0'], ['LINDEX', 'l', '-1'], ['LINDEX', 'l', '5'], ['LINDEX', 'l', '6'], ['LINDEX', 'l', '-7'], ['LINDEX', 'l', '-6'],
    ['LINDEX', 'l', 'x'], ['LINDEX', 'missing', 'x'], ['LINDEX', 'missing', '0'], ['LINDEX', 'l', '9223372036854775808'],
    ['LSET', 'l', '0', 'A'], ['LSET', 'l', '-1', 'F'], ['LSET', 'l', '6', 'x'], ['LSET', 'l', '-7', 'x'], ['LSET', 'l', 'x', 'y'],
    ['LSET', 'missing', '0', 'x'], ['LSET', 'missing', 'x', 'x'],
    ['LRANGE', 'l', '0', '-1'], ['LRANGE', 'l', '1', '2'], ['LRANGE', 'l', '-2', '-1'], ['LRANGE', 'l', '-100', '100'],
    ['LRANGE', 'l', '3', '1'], ['LRANGE', 'l', '6', '10'], ['LRANGE', 'l', '0', '-7'], ['LRANGE', 'l', '-1', '-2'],
    ['LRANGE', 'l', 'a', '1'], ['LRANGE', 'l', '0', 'b'], ['LRANGE', 'missing', '0', '-1'], ['LRANGE', 'missing', 'x', '1'],
    ['LRANGE', 'l', '-9223372036854775808', '9223372036854775807'],
    ['SET', 's', 'v'], ['LINDEX', 's', '0'], ['LINDEX', 's', 'x'], ['LSET', 's', '0', 'x'], ['LSET', 's', 'x', 'x'], ['LRANGE', 's', '0', '1'],
    ['LRANGE', 's', 'x', '1'],
  ]);
});

test('LTRIM', async () => {
  const script: Script = [];
  for (const [a, b] of [['0', '-1'], ['1', '-2'], ['2', '2'], ['-3', '-1'], ['5', '2'], ['0', '100'], ['-100', '1'], ['10', '20'], ['0', '-100']]) {
    script.push(['DEL', 'l'], ['RPUSH', 'l', '1', '2', '3', '4', '5', '6'], ['LTRIM', 'l', a, b], ['LRANGE', 'l', '0', '-1'], ['EXISTS', 'l']);
  }
  script.push(['LTRIM', 'missing', '0', '1'], ['LTRIM', 'l', 'x', '1'], ['SET', 's', 'v'], ['LTRIM', 's', '0', '1'], ['LTRIM', 's', 'x', '1']);
  await both(script);
});

test('LREM', async () => {
  const script: Script = [];
  for (const count of ['0', '1', '2', '-1', '-2', '10', '-10']) {
    script.push(['DEL', 'l'], ['RPUSH', 'l', 'a', 'b', 'a', 'c', 'a', 'b', 'a'], ['LREM', 'l', count, 'a'], ['LRANGE', 'l', '0', '-1']);
  }
  script.push(
    ['LREM', 'l', '0', 'nope'], ['LREM', 'l', '0', 'b'], ['LREM', 'l', '0', 'c'], ['EXISTS', 'l'], ['LREM', 'missing', '0', 'a'],
    ['RPUSH', 'l', '1', '01'], ['LREM', 'l', '0', '1'], ['LRANGE', 'l', '0', '-1'],
    ['LREM', 'l', 'x', 'a'], ['SET', 's', 'v'], ['LREM', 's', '0', 'a'], ['LREM', 's', 'x', 'a'],
  );
  await both(script);
});

test('LINSERT', async () => {
  await both([
    ['RPUSH', 'l', 'a', 'b', 'c', 'b'],
    ['LINSERT', 'l', 'BEFORE', 'b', 'x'], ['LINSERT', 'l', 'after', 'b', 'y'], ['LINSERT', 'l', 'AFTER', 'c', 'z'],
    ['LINSERT', 'l', 'before', 'a', 'first'], ['LINSERT', 'l', 'after', 'b', 'last'],
    ['LINSERT', 'l', 'before', 'nope', 'x'], ['LRANGE', 'l', '0', '-1'],
    ['LINSERT', 'missing', 'before', 'a', 'x'], ['EXISTS', 'missing'], ['LINSERT', 'l', 'middle', 'a', 'x'],
    ['LINSERT', 'missing', 'middle', 'a', 'x'], ['SET', 's', 'v'], ['LINSERT', 's', 'before', 'a', 'x'], ['LINSERT', 's', 'x', 'a', 'x'],
  ]);
});

test('LPOS with RANK, COUNT, MAXLEN and its errors', async () => {
  const script: Script = [['RPUSH', 'l', 'a', 'b', 'c', '1', '2', '3', 'c', 'c', 'a']];
  const opts: string[][] = [
    [], ['RANK', '1'], ['RANK', '2'], ['RANK', '-1'], ['RANK', '-3'], ['RANK', '4'], ['COUNT', '0'], ['COUNT', '2'],
    ['COUNT', '0', 'RANK', '2'], ['RANK', '-1', 'COUNT', '2'], ['MAXLEN', '3'], ['MAXLEN', '8', 'COUNT', '0'],
    ['RANK', '-1', 'MAXLEN', '2'], ['RANK', '-1', 'MAXLEN', '3', 'COUNT', '0'], ['rank', '1', 'count', '1', 'maxlen', '0'],
    ['RANK', '0'], ['RANK', 'x'], ['COUNT', '-1'], ['COUNT', 'x'], ['MAXLEN', '-1'], ['MAXLEN', 'x'], ['RANK'], ['FOO', '1'],
    ['COUNT', '1', 'RANK'], ['RANK', '-9223372036854775808'], ['RANK', '-9223372036854775808', 'COUNT', '2'],
    ['RANK', '9223372036854775807'], ['COUNT', '9223372036854775807'],
  ];
  for (const o of opts) {
    script.push(['LPOS', 'l', 'c', ...o], ['LPOS', 'l', 'nope', ...o], ['LPOS', 'missing', 'c', ...o]);
  }
  script.push(['SET', 's', 'v'], ['LPOS', 's', 'a'], ['LPOS', 's', 'a', 'RANK', '0'], ['LPOS', 's', 'a', 'COUNT', '1']);
  await both(script);
});

test('LMOVE and RPOPLPUSH', async () => {
  const script: Script = [];
  for (const from of ['LEFT', 'RIGHT']) {
    for (const to of ['LEFT', 'RIGHT']) {
      script.push(
        ['DEL', 'a', 'b'], ['RPUSH', 'a', '1', '2', '3'], ['RPUSH', 'b', 'x'],
        ['LMOVE', 'a', 'b', from, to], ['LMOVE', 'a', 'new', from.toLowerCase(), to], ['LMOVE', 'a', 'a', from, to],
        ['LRANGE', 'a', '0', '-1'], ['LRANGE', 'b', '0', '-1'], ['LRANGE', 'new', '0', '-1'],
        ['LMOVE', 'a', 'b', from, to], ['EXISTS', 'a'], ['LMOVE', 'a', 'b', from, to], ['DEL', 'new'],
      );
    }
  }
  script.push(
    ['RPUSH', 'a', '1', '2'], ['RPOPLPUSH', 'a', 'b'], ['RPOPLPUSH', 'a', 'a'], ['RPOPLPUSH', 'missing', 'b'], ['LRANGE', 'b', '0', '-1'],
    ['SET', 's', 'v'], ['RPOPLPUSH', 'a', 's'], ['RPOPLPUSH', 's', 'a'], ['RPOPLPUSH', 'missing', 's'], ['LRANGE', 'a', '0', '-1'],
    ['LMOVE', 'a', 's', 'LEFT', 'LEFT'], ['LMOVE', 's', 'a', 'LEFT', 'LEFT'], ['LMOVE', 'a', 'b', 'UP', 'LEFT'],
    ['LMOVE', 'a', 'b', 'LEFT', 'DOWN'], ['LMOVE', 'missing', 'b', 'UP', 'LEFT'], ['LMOVE', 'a', 'b', 'LEFT'],
  );
  await both(script);
});

test('LMPOP and its argument errors', async () => {
  await both([
    ['RPUSH', 'a', '1', '2', '3', '4'], ['RPUSH', 'b', 'x', 'y'],
    ['LMPOP', '2', 'missing', 'a', 'LEFT'], ['LMPOP', '2', 'missing', 'a', 'RIGHT', 'COUNT', '2'], ['LMPOP', '1', 'a', 'left', 'count', '10'],
    ['LMPOP', '2', 'a', 'b', 'RIGHT'], ['LMPOP', '2', 'a', 'b', 'RIGHT', 'COUNT', '5'], ['LMPOP', '2', 'a', 'b', 'LEFT'], ['EXISTS', 'b'],
    ['LMPOP', '0', 'a', 'LEFT'], ['LMPOP', '-1', 'a', 'LEFT'], ['LMPOP', 'x', 'a', 'LEFT'], ['LMPOP', '3', 'a', 'LEFT'],
    ['LMPOP', '1', 'a', 'UP'], ['LMPOP', '1', 'a', 'LEFT', 'COUNT'], ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '0'],
    ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '-1'], ['LMPOP', '1', 'a', 'LEFT', 'COUNT', 'x'], ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '1', 'COUNT', '1'],
    ['LMPOP', '1', 'a', 'LEFT', 'FOO'], ['LMPOP', '1', 'a'], ['LMPOP', '9223372036854775807', 'a', 'LEFT'],
    ['SET', 's', 'v'], ['LMPOP', '2', 'missing', 's', 'LEFT'], ['RPUSH', 'c', '1'], ['LMPOP', '2', 'c', 's', 'LEFT'], ['LMPOP', '2', 's', 'c', 'LEFT'],
  ]);
});

test('blocking pops that find data reply at once, with their argument errors', async () => {
  await both([
    ['RPUSH', 'a', '1', '2', '3'], ['RPUSH', 'b', 'x'],
    ['BLPOP', 'missing', 'a', '0'], ['BRPOP', 'a', 'b', '0'], ['BLPOP', 'b', '1'], ['EXISTS', 'b'],
    ['BLMPOP', '0', '2', 'missing', 'a', 'LEFT', 'COUNT', '5'], ['EXISTS', 'a'],
    ['RPUSH', 'a', '1', '2'], ['BLMPOP', '1.5', '1', 'a', 'RIGHT'], ['BRPOPLPUSH', 'a', 'b', '0'], ['BLMOVE', 'b', 'a', 'LEFT', 'RIGHT', '0.5'],
    ['LRANGE', 'a', '0', '-1'], ['LRANGE', 'b', '0', '-1'],
    ['BLPOP', 'a', '-1'], ['BLPOP', 'a', 'x'], ['BLPOP', 'a', '-0.001'], ['BLPOP', 'a', 'inf'], ['BLPOP', 'a', '-inf'], ['BLPOP', 'a', 'nan'],
    ['BLPOP', 'a', '1e30'], ['BLPOP', 'a', '1e400'], ['BLPOP', 'a', ' 1'], ['BLPOP', 'a', '1 '], ['BLPOP', 'a', ''], ['BLPOP', 'a', '9223372036854776'],
    ['BRPOPLPUSH', 'a', 'b', '-1'], ['BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', 'x'], ['BLMOVE', 'a', 'b', 'UP', 'RIGHT', 'x'],
    ['BLMPOP', '-1', '1', 'a', 'LEFT'], ['BLMPOP', '0', '0', 'a', 'LEFT'], ['BLMPOP', 'x', '1', 'a', 'UP'], ['BLMPOP', 'x', '1', 'a', 'LEFT'],
    ['BLMPOP', '0', '1', 'a', 'LEFT', 'COUNT', '0'], ['BLMPOP', '0', '2', 'a'], ['BLPOP', 'a'],
    ['SET', 's', 'v'], ['BLPOP', 's', 'a', '0'], ['BLPOP', 'missing', 's', '0'], ['BRPOPLPUSH', 's', 'a', '0'], ['RPUSH', 'a', '1'], ['BLMOVE', 'a', 's', 'LEFT', 'LEFT', '0'],
    ['BLMPOP', '0', '1', 's', 'LEFT'], ['LRANGE', 'a', '0', '-1'],
  ]);
});

test('long lists across many chunks, with byte and count fills', async () => {
  const big = 'x'.repeat(300);
  const script: Script = [];
  for (let i = 0; i < 300; i++) script.push([i % 3 === 0 ? 'LPUSH' : 'RPUSH', 'l', `v${i}`, i % 17 === 0 ? big : `${i}`]);
  script.push(['LLEN', 'l'], ['LRANGE', 'l', '0', '-1'], ['LRANGE', 'l', '100', '180'], ['LRANGE', 'l', '-150', '-100']);
  for (let i = -610; i < 610; i += 37) script.push(['LINDEX', 'l', String(i)]);
  script.push(['LSET', 'l', '250', 'changed'], ['LSET', 'l', '-3', big + big], ['LINSERT', 'l', 'BEFORE', 'v150', 'ins'], ['LINSERT', 'l', 'AFTER', big, 'ins2']);
  script.push(['LREM', 'l', '3', big], ['LREM', 'l', '-2', big], ['LPOS', 'l', big, 'RANK', '-1', 'COUNT', '0'], ['LPOS', 'l', 'v200']);
  script.push(['LRANGE', 'l', '0', '-1'], ['LTRIM', 'l', '37', '-45'], ['LRANGE', 'l', '0', '-1'], ['LPOP', 'l', '100'], ['RPOP', 'l', '100'], ['LRANGE', 'l', '0', '-1']);
  script.push(['LREM', 'l', '0', big], ['LRANGE', 'l', '0', '-1'], ['LLEN', 'l']);
  await d.check(script);
  // The fill (list-max-listpack-size) changes only the layout: the replies must not change.
  for (const fill of ['-1', '1', '5']) {
    const other = await Differential.start(['--list-max-listpack-size', fill], ['--list-max-listpack-size', fill]);
    try {
      await other.check(script);
    } finally {
      await other.close();
    }
  }
});

test('repeated LRANGE reads (cached encodings) stay right across every kind of change', async () => {
  const values = Array.from({ length: 200 }, (_, i) => (i % 7 === 0 ? `long-${'z'.repeat(i)}` : String(i)));
  const reads = (): Script => [['LRANGE', 'l', '0', '-1'], ['LRANGE', 'l', '3', '40'], ['LRANGE', 'l', '0', '-1'], ['LRANGE', 'l', '3', '40'], ['LRANGE', 'l', '-30', '-1']];
  await both([
    ['RPUSH', 'l', ...values], ...reads(),
    ['LPUSH', 'l', 'head'], ...reads(), ['RPUSH', 'l', 'tail'], ...reads(), ['LPOP', 'l'], ...reads(), ['RPOP', 'l', '3'], ...reads(),
    ['LSET', 'l', '5', 'set'], ...reads(), ['LINSERT', 'l', 'BEFORE', '8', 'ins'], ...reads(), ['LREM', 'l', '0', '9'], ...reads(),
    ['LTRIM', 'l', '2', '-3'], ...reads(), ['LMOVE', 'l', 'l', 'LEFT', 'RIGHT'], ...reads(), ['LPOS', 'l', 'set'],
  ]);
});
