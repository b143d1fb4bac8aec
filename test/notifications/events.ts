// Collecting keyspace notifications for differential tests: a listener subscribed to every
// keyspace and keyevent channel records what a script's commands emit, up to a marker message.

import type { RunningServer } from '../helpers/servers.js';
import type { RespClient } from '../helpers/resp-client.js';

export type Command = (string | number)[];
/** A script step: a command, or a pause (ms) to let keys expire. */
export type ScriptStep = Command | { sleep: number };

export async function collectEvents(server: RunningServer, script: ScriptStep[], db = 0): Promise<string[]> {
  const listener = await server.client();
  const c = await server.client();
  try {
    await c.send('FLUSHALL');
    await listener.send('PSUBSCRIBE', '__key*__:*');
    await listener.send('SUBSCRIBE', '__done__');
    if (db !== 0) await c.send('SELECT', db);
    const replies: string[] = [];
    for (const step of script) {
      if (!Array.isArray(step)) {
        await new Promise((r) => setTimeout(r, step.sleep));
        continue;
      }
      const r = await c.send(...step.map(String));
      replies.push(r.raw.latin1Slice(0, r.raw.length));
    }
    await c.send('PUBLISH', '__done__', 'x');
    return [...(await readEvents(listener)), '-- replies --', ...replies];
  } finally {
    listener.close();
    c.close();
  }
}

async function readEvents(listener: RespClient): Promise<string[]> {
  const events: string[] = [];
  for (;;) {
    const r = await listener.read(5000);
    const items = (r.decoded as { value: { value: string }[] }).value.map((d) => d.value);
    if (items[0] === 'message' && items[1] === '__done__') return events;
    if (items[0] === 'pmessage') events.push(`${items[2]} ${items[3]}`);
  }
}
