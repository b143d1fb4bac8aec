import { after, before, test } from 'node:test';
import { Differential } from '../helpers/differential.js';

let d: Differential;
before(async () => {
  d = await Differential.start(['--requirepass', 'secret'], ['--requirepass', 'secret']);
});
after(() => d.close());

test('EXEC rejected before authentication is an EXECABORT with the reason', async () => {
  await d.check([['EXEC'], ['MULTI'], ['EXEC', 'x'], ['DISCARD'], ['WATCH', 'k'], ['EXEC']]);
});
