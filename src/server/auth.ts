// Authentication. Until ACLs exist there is one user, "default", whose password is
// `requirepass` (no password when it is empty). The ACL family replaces `authenticator(server)`'s
// entries with its own.

import crypto from 'node:crypto';
import type { Client } from './client.js';
import type { Server } from './server.js';

export interface Authenticator {
  /** Whether `user` exists (CLIENT KILL USER). */
  userExists(user: string): boolean;
  /** Whether the credentials are valid. */
  check(user: string, password: string): boolean;
}

function sha256(text: string): Buffer {
  return crypto.createHash('sha256').update(text, 'latin1').digest();
}

export function authenticator(server: Server): Authenticator {
  return server.state('authenticator', () => ({
    userExists: (user: string) => user === 'default',
    check(user: string, password: string): boolean {
      if (user !== 'default') return false;
      if (!server.requiresAuth()) return true;
      // Compare digests in constant time, as Redis compares password hashes.
      return crypto.timingSafeEqual(sha256(password), sha256(server.requirePass));
    },
  }));
}

/** AUTH / HELLO AUTH: on success the client is authenticated as `user`. */
export function authenticate(c: Client, user: string, password: string): boolean {
  if (!authenticator(c.server).check(user, password)) return false;
  c.authenticated = true;
  c.user = user;
  return true;
}

/** The state a new connection starts in: the default user, authenticated if it has no password. */
export function defaultAuth(c: Client): void {
  c.user = 'default';
  c.authenticated = !c.server.requiresAuth();
}
