// @ts-check
// A moderator's or partner's session: the server keeps it (an HttpOnly, SameSite=Strict
// cookie); the page keeps only the CSRF token it answered, which every change carries.

import { request } from '../participate/http.js';

/** @typedef {{username: string, role: 'moderator' | 'partner' | string, csrf_token: string}} Session */

/** @type {Session | null} */
let current = null;

export function session() {
  return current;
}

/** The CSRF token of the session (null when signed out). */
export function csrf() {
  return current?.csrf_token ?? null;
}

/** The session the browser already has, or null. */
export async function resume() {
  try {
    current = await request('GET', '/api/session');
  } catch {
    current = null;
  }
  return current;
}

/** @param {string} username @param {string} password */
export async function signIn(username, password) {
  current = await request('POST', '/api/session', { json: { username, password } });
  return current;
}

export async function signOut() {
  try {
    await request('DELETE', '/api/session', { csrf: csrf() });
  } finally {
    current = null;
  }
}

/**
 * A change made in the session's name, with its CSRF token.
 * @param {'POST' | 'DELETE'} method
 * @param {string} path
 * @param {unknown} [json]
 */
export function change(method, path, json) {
  return request(method, path, { json, csrf: csrf() });
}
