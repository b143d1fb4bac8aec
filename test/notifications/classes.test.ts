// Which notifications go out depends on the enabled classes: only the keyevent channel and
// expired events here (set at startup), any combination through CONFIG SET.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Differential } from '../helpers/differential.js';
import { collectEvents, type ScriptStep } from './events.js';

const FLAGS = ['--notify-keyspace-events', 'Ex'];
let d: Differential;
before(async () => {
  d = await Differential.start(FLAGS, FLAGS);
});
after(() => d.close());

const script: ScriptStep[] = [
  // The expiring key is written last: when its expiry fires (active cycle or the GET) depends on
  // timing, so nothing else may happen in between.
  ['SET', 'a', '1'], ['INCR', 'n'], ['GET', 'missing'], ['DEL', 'a'], ['MSET', 'x', '1', 'y', '2'], ['SET', 'e', 'v', 'PX', '10'],
  { sleep: 100 }, ['GET', 'e'],
];

test('only the enabled classes and channels are notified', async () => {
  assert.deepEqual(await collectEvents(d.larder, script), await collectEvents(d.redis, script));
});

test('CONFIG SET notify-keyspace-events changes the classes at once', async () => {
  try {
    for (const flags of ['KA', 'EA', 'KEA', 'K$', 'Eg', 'KEgx', 'Kn', 'Em', 'KEm$', '']) {
      for (const s of [d.larder, d.redis]) {
        const c = await s.client();
        await c.send('CONFIG', 'SET', 'notify-keyspace-events', flags);
        c.close();
      }
      assert.deepEqual(await collectEvents(d.larder, script), await collectEvents(d.redis, script), `flags ${flags}`);
    }
  } finally {
    for (const s of [d.larder, d.redis]) {
      const c = await s.client();
      await c.send('CONFIG', 'SET', 'notify-keyspace-events', 'Ex');
      c.close();
    }
  }
});
