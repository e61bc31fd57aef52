// @ts-check
// The participation and moderation API over fetch: JSON (or multipart) in, JSON out, and
// every answer other than 2xx turned into a RequestFailed carrying the server's own
// message (`error`) and the field it names (`field`), so a form can point at it.

/** An answer other than 2xx, or no answer at all (status 0). */
export class RequestFailed extends Error {
  /**
   * @param {number} status
   * @param {string} message the server's `error`, or empty when it gave none
   * @param {string | null} field the field the server names, if any
   * @param {number | null} retryAfter seconds, from a 429's Retry-After
   */
  constructor(status, message, field = null, retryAfter = null) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.serverMessage = message;
    this.field = field;
    this.retryAfter = retryAfter;
  }
}

/**
 * @typedef {object} RequestOptions
 * @property {unknown} [json] a body sent as JSON
 * @property {FormData} [form] a body sent as multipart/form-data
 * @property {string | null} [csrf] the session's CSRF token (X-CSRF-Token)
 * @property {AbortSignal} [signal]
 */

/**
 * @param {'GET' | 'POST' | 'DELETE'} method
 * @param {string} path
 * @param {RequestOptions} [options]
 * @returns {Promise<any>} the decoded JSON, or null for an empty answer
 */
export async function request(method, path, { json, form, csrf, signal } = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  /** @type {BodyInit | undefined} */
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form) {
    body = form; // the browser sets the multipart boundary
  }
  if (csrf) headers['X-CSRF-Token'] = csrf;
  let response;
  try {
    response = await fetch(path, { method, headers, body, signal, credentials: 'same-origin' });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new RequestFailed(0, '');
  }
  const text = await response.text();
  /** @type {any} */
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const message = data && typeof data.error === 'string' ? data.error : '';
    const field = data && typeof data.field === 'string' && data.field ? data.field : null;
    const retry = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
    throw new RequestFailed(response.status, message, field, Number.isFinite(retry) ? retry : null);
  }
  return data;
}

/** @param {string} path @param {AbortSignal} [signal] */
export const get = (path, signal) => request('GET', path, { signal });

/** @param {string} path @param {unknown} json @param {string | null} [csrf] */
export const post = (path, json, csrf) => request('POST', path, { json, csrf });

/** A path with its query, leaving out the empty parameters. */
export function withQuery(/** @type {string} */ path, /** @type {Record<string, string | number | null | undefined>} */ params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') query.set(key, String(value));
  }
  const q = query.toString();
  return q ? `${path}?${q}` : path;
}
