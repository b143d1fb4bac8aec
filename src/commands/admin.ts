// SHUTDOWN, TIME, LOLWUT.

import type { Family } from './command.js';
import { ClientFlag } from '../server/client.js';
import { err, Errors, NO_REPLY, OK, VerbatimReply, type Reply } from '../resp/reply.js';
import { parseInt64 } from '../util/numbers.js';
import { ShutdownFlag } from '../config/settings.js';
import { shutdown, shutdownServer } from '../server/shutdown.js';
import { REDIS_VERSION } from '../server/server.js';

/** LOLWUT art: a grid of squares that tilt and drift more the lower they are (braille dots). */
function lolwutArt(cols: number, squaresPerRow: number, squaresPerCol: number): string {
  const width = cols * 2;
  const size = Math.max(1, Math.floor(width / squaresPerRow / 1.25));
  const height = Math.floor(squaresPerCol * size * 1.25) + 4;
  const rows = Math.ceil(height / 4);
  const pixels = new Uint8Array(width * rows * 4);
  const plot = (x: number, y: number) => {
    x = Math.round(x);
    y = Math.round(y);
    if (x >= 0 && y >= 0 && x < width && y < rows * 4) pixels[y * width + x] = 1;
  };
  const line = (x0: number, y0: number, x1: number, y1: number) => {
    const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
    for (let i = 0; i <= steps; i++) plot(x0 + ((x1 - x0) * i) / steps, y0 + ((y1 - y0) * i) / steps);
  };
  const pad = size / 4;
  for (let r = 0; r < squaresPerCol; r++) {
    for (let q = 0; q < squaresPerRow; q++) {
      const chaos = (r / squaresPerCol) ** 1.5;
      const angle = (Math.random() - 0.5) * chaos * Math.PI / 2;
      const cx = pad + q * size * 1.25 + size / 2 + (Math.random() - 0.5) * chaos * size / 2;
      const cy = pad + r * size * 1.25 + size / 2 + (Math.random() - 0.5) * chaos * size / 2;
      const corners = [[-1, -1], [1, -1], [1, 1], [-1, 1]].map(([dx, dy]) => {
        const x = (dx * size) / 2;
        const y = (dy * size) / 2;
        return [cx + x * Math.cos(angle) - y * Math.sin(angle), cy + x * Math.sin(angle) + y * Math.cos(angle)];
      });
      for (let k = 0; k < 4; k++) line(corners[k][0], corners[k][1], corners[(k + 1) % 4][0], corners[(k + 1) % 4][1]);
    }
  }
  // Each braille character shows a 2x4 block of pixels.
  const dots = [[0, 0, 0x01], [0, 1, 0x02], [0, 2, 0x04], [1, 0, 0x08], [1, 1, 0x10], [1, 2, 0x20], [0, 3, 0x40], [1, 3, 0x80]];
  let out = '';
  for (let y = 0; y < rows * 4; y += 4) {
    let text = '';
    for (let x = 0; x < width; x += 2) {
      let bits = 0;
      for (const [dx, dy, bit] of dots) if (pixels[(y + dy) * width + x + dx]) bits |= bit;
      text += String.fromCodePoint(0x2800 + bits);
    }
    out += text + '\n';
  }
  return Buffer.from(out, 'utf8').toString('latin1');
}

function smallInt(s: string | undefined, def: number, min: number, max: number): number {
  if (s === undefined) return def;
  const v = parseInt64(s);
  if (v === undefined) err(Errors.notInteger);
  return Math.min(max, Math.max(min, Number(v)));
}

export const adminFamily: Family = {
  shutdown: {
    run: (c, argv): Reply => {
      let flags = 0;
      let abort = false;
      for (let i = 1; i < argv.length; i++) {
        const a = argv[i].toLowerCase();
        if (a === 'nosave') flags |= ShutdownFlag.NoSave;
        else if (a === 'save') flags |= ShutdownFlag.Save;
        else if (a === 'now') flags |= ShutdownFlag.Now;
        else if (a === 'force') flags |= ShutdownFlag.Force;
        else if (a === 'abort') abort = true;
        else err(Errors.syntax);
      }
      if ((abort && flags !== 0) || (flags & ShutdownFlag.NoSave && flags & ShutdownFlag.Save)) err(Errors.syntax);
      const st = shutdown(c.server);
      if (abort) {
        if (!st.asap) err('ERR No shutdown in progress.');
        st.asap = false;
        st.lastSignal = null;
        c.server.log('notice', 'Shutdown manually aborted.');
        return OK;
      }
      if (!(flags & ShutdownFlag.Now) && c.has(ClientFlag.DenyBlocking)) {
        err("ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client");
      }
      if (shutdownServer(c.server, flags)) return NO_REPLY;
      return err('ERR Errors trying to SHUTDOWN. Check logs.');
    },
  },
  time: {
    run: () => {
      const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
      return [String(Math.floor(us / 1e6)), String(us % 1e6)];
    },
  },
  lolwut: {
    run: (_c, argv) => {
      let version = Number(REDIS_VERSION.split('.')[0]);
      let args = argv.slice(1);
      if (argv.length >= 3 && argv[1].toLowerCase() === 'version') {
        const v = parseInt64(argv[2]);
        if (v === undefined) err(Errors.notInteger);
        version = Number(v) >>> 0;
        args = argv.slice(3);
      }
      if (version === 5 || version === 6) {
        const cols = smallInt(args[0], 66, 1, 1000);
        const perRow = smallInt(args[1], 8, 1, 200);
        const perCol = smallInt(args[2], 12, 1, 200);
        return new VerbatimReply(`${lolwutArt(cols, perRow, perCol)}\nSquares losing their order, after Georg Nees. Redis ver. ${REDIS_VERSION}\n`);
      }
      return new VerbatimReply(`Redis ver. ${REDIS_VERSION}\n`);
    },
  },
};
