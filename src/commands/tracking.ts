// Client-side caching commands, subcommands of CLIENT: TRACKING, CACHING, GETREDIR,
// TRACKINGINFO. The machinery is in engine/tracking.ts.

import type { Family } from './command.js';
import { ClientFlag, type Client } from '../server/client.js';
import { cstr, err, ErrorReply, Errors, MapReply, OK, SetReply, type Reply } from '../resp/reply.js';
import { encodeReply } from '../resp/encoder.js';
import { parseInt64 } from '../util/numbers.js';
import { tracking, trackingOf } from '../engine/tracking.js';

/**
 * Checks BCAST prefixes against the client's and against each other: one may not start another.
 * Returns the error, if any, and whether it stops the command: Redis 7.0 reports an overlap
 * between two new prefixes after the first one and then enables tracking anyway (two replies);
 * so does Larder.
 */
function prefixCollision(c: Client, prefixes: string[]): { error: string; fatal: boolean } | undefined {
  const overlap = (a: string, b: string) => (a.length <= b.length ? b.startsWith(a) : a.startsWith(b));
  const existing = [...(trackingOf(c)?.prefixes ?? [])].sort();
  for (let i = 0; i < prefixes.length; i++) {
    for (const p of existing) {
      if (overlap(p, prefixes[i])) {
        return { error: `ERR Prefix '${cstr(prefixes[i])}' overlaps with an existing prefix '${cstr(p)}'. Prefixes for a single client must not overlap.`, fatal: true };
      }
    }
    for (let j = i + 1; j < prefixes.length; j++) {
      if (overlap(prefixes[i], prefixes[j])) {
        return { error: `ERR Prefix '${cstr(prefixes[i])}' overlaps with another provided prefix '${cstr(prefixes[j])}'. Prefixes for a single client must not overlap.`, fatal: i === 0 };
      }
    }
  }
  return undefined;
}

function clientTracking(c: Client, argv: string[]): Reply {
  let redirect = 0;
  const opts = { bcast: false, optin: false, optout: false, noloop: false };
  const prefixes: string[] = [];
  for (let j = 3; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j].toLowerCase();
    if (opt === 'redirect' && more > 0) {
      j++;
      if (redirect !== 0) err('ERR A client can only redirect to a single other client');
      const id = parseInt64(argv[j]);
      if (id === undefined) err(Errors.notInteger);
      const target = typeof id === 'bigint' ? undefined : c.server.clients.get(id);
      if (target === undefined) err('ERR The client ID you want redirect to does not exist');
      redirect = target.id;
    } else if (opt === 'bcast') opts.bcast = true;
    else if (opt === 'optin') opts.optin = true;
    else if (opt === 'optout') opts.optout = true;
    else if (opt === 'noloop') opts.noloop = true;
    else if (opt === 'prefix' && more > 0) prefixes.push(argv[++j]);
    else err(Errors.syntax);
  }
  const mode = argv[2].toLowerCase();
  if (mode === 'on') {
    if (!opts.bcast && prefixes.length !== 0) err('ERR PREFIX option requires BCAST mode to be enabled');
    const t = trackingOf(c);
    if (t !== undefined && t.bcast !== opts.bcast) {
      err("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.");
    }
    if (opts.bcast && (opts.optin || opts.optout)) err('ERR OPTIN and OPTOUT are not compatible with BCAST');
    if (opts.optin && opts.optout) err("ERR You can't specify both OPTIN mode and OPTOUT mode");
    if (t !== undefined && ((opts.optin && t.optout) || (opts.optout && t.optin))) {
      err("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.");
    }
    if (opts.bcast) {
      const collision = prefixCollision(c, prefixes);
      if (collision !== undefined) {
        if (collision.fatal) err(collision.error);
        // Redis's quirk: the error goes out, and tracking is enabled (with its +OK) anyway.
        const reply = new ErrorReply(collision.error);
        c.server.countError(reply);
        c.write(encodeReply(reply, c.resp));
      }
    }
    tracking(c.server).enable(c, redirect, opts, prefixes);
  } else if (mode === 'off') {
    if (trackingOf(c) !== undefined) tracking(c.server).disable(c);
  } else {
    err(Errors.syntax);
  }
  return OK;
}

function clientCaching(c: Client, argv: string[]): Reply {
  const t = trackingOf(c);
  if (t === undefined) err('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
  const opt = argv[2].toLowerCase();
  if (opt === 'yes') {
    if (!t.optin) err('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
  } else if (opt === 'no') {
    if (!t.optout) err('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
  } else {
    err(Errors.syntax);
  }
  t.caching = true;
  return OK;
}

function clientTrackingInfo(c: Client): Reply {
  const t = trackingOf(c);
  const flags: Reply[] = [t !== undefined ? 'on' : 'off'];
  if (t !== undefined) {
    if (t.bcast) flags.push('bcast');
    if (t.optin) {
      flags.push('optin');
      if (t.caching) flags.push('caching-yes');
    }
    if (t.optout) {
      flags.push('optout');
      if (t.caching) flags.push('caching-no');
    }
    if (t.noloop) flags.push('noloop');
    if (t.brokenRedirect) flags.push('broken_redirect');
  }
  const prefixes = t !== undefined && t.bcast ? [...t.prefixes].sort() : [];
  return new MapReply(['flags', new SetReply(flags), 'redirect', t !== undefined ? t.redirect : -1, 'prefixes', prefixes]);
}

export const trackingCommands: Family = {
  client: {
    subcommands: {
      tracking: { run: clientTracking },
      caching: { run: clientCaching },
      getredir: { run: (c) => ((c.flags & ClientFlag.Tracking) !== 0 ? trackingOf(c)!.redirect : -1) },
      trackinginfo: { run: clientTrackingInfo },
    },
  },
};
