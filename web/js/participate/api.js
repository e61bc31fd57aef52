// @ts-check
// What the citizen's side of the participation API answers (the contract the server
// follows), typed for the forms and lists that read it.

import { get, post, request, withQuery } from './http.js';

/** @typedef {{nl?: string, fr?: string, en?: string}} Texts */
/** @typedef {{id: string, name: Texts}} Theme */
/** @typedef {{id: number, name: string | null, category: string, distance_m: number, closed: boolean}} Nearby */
/**
 * @typedef {object} Created
 * @property {number} id
 * @property {string} status
 * @property {string} withdraw_token
 * @property {string} [withdraw_url]
 */
/**
 * @typedef {object} Idea
 * @property {number} id
 * @property {string} commune
 * @property {string} commune_name
 * @property {string} theme
 * @property {string} title
 * @property {string} body
 * @property {string} language
 * @property {string} created_at
 * @property {number} supports
 */
/**
 * @typedef {object} Call
 * @property {number} id
 * @property {Texts} title
 * @property {Texts} description
 * @property {string[]} themes
 * @property {string} opens_on
 * @property {string} closes_on
 * @property {boolean} open
 */
/**
 * @typedef {object} ProjectIdea
 * @property {number} id
 * @property {number} call_id
 * @property {string} title
 * @property {string} description
 * @property {{id: string, name: string}[]} communes
 * @property {string} status
 * @property {number | null} longitude
 * @property {number | null} latitude
 * @property {number} supports
 */
/**
 * @typedef {object} DiscoveryDay
 * @property {number} id
 * @property {Texts} title
 * @property {Texts} description
 * @property {string} starts_on
 * @property {string} place
 * @property {number} longitude
 * @property {number} latitude
 */
/**
 * @typedef {object} Needs
 * @property {string} commune
 * @property {number | null} answers
 * @property {number} minimum
 * @property {boolean} hidden
 * @property {{category: string, answers: number, own_commune: number, neighbour: number, across_border: number, not_used: number}[]} categories
 * @property {{category: string, count: number}[]} missing
 */
/**
 * @typedef {object} Photo
 * @property {number} id
 * @property {number} longitude
 * @property {number} latitude
 * @property {number} year
 * @property {string} caption
 * @property {string} language
 * @property {string} url
 */
/** @typedef {{id?: number, kind: string, status: string, review?: string | null, public_reason: string | null, created_at: string}} WithdrawStatus */

/** @returns {Promise<Theme[]>} */
export const themes = () => get('/api/participation/themes');

/**
 * @param {{longitude: number, latitude: number}} point
 * @param {string} category
 * @param {AbortSignal} [signal]
 * @returns {Promise<Nearby[]>}
 */
export const nearby = (point, category, signal) =>
  get(withQuery('/api/reports/nearby', { longitude: point.longitude, latitude: point.latitude, category, radius: 50 }), signal);

/** @returns {Promise<Created>} */
export const sendReport = (/** @type {Record<string, unknown>} */ body) => post('/api/reports', body);

/** @returns {Promise<Created>} */
export const sendIdea = (/** @type {Record<string, unknown>} */ body) => post('/api/ideas', body);

/** @param {string | null} commune @returns {Promise<Idea[]>} */
export const ideas = (commune) => get(withQuery('/api/ideas', { commune }));

/** @returns {Promise<Call[]>} */
export const calls = () => get('/api/calls');

/** @returns {Promise<Created>} */
export const sendProjectIdea = (/** @type {number} */ call, /** @type {Record<string, unknown>} */ body) =>
  post(`/api/calls/${encodeURIComponent(String(call))}/ideas`, body);

/** @returns {Promise<ProjectIdea[]>} */
export const projectIdeas = () => get('/api/project-ideas');

/** @param {string | null} from @returns {Promise<DiscoveryDay[]>} */
export const events = (from) => get(withQuery('/api/events', { from }));

/** @returns {Promise<{received: boolean}>} */
export const sendQuestionnaire = (/** @type {Record<string, unknown>} */ body) => post('/api/questionnaire', body);

/** @param {string} commune @param {AbortSignal} [signal] @returns {Promise<Needs>} */
export const needs = (commune, signal) => get(`/api/communes/${encodeURIComponent(commune)}/needs`, signal);

/** @returns {Promise<Created>} */
export const sendPhoto = (/** @type {FormData} */ form) => request('POST', '/api/photos', { form });

/** @returns {Promise<Photo[]>} */
export const photos = () => get('/api/photos');

/**
 * @param {'idea' | 'project'} kind
 * @param {number} id
 * @returns {Promise<{supports: number}>}
 */
export const support = (kind, id) =>
  request('POST', `/api/${kind === 'idea' ? 'ideas' : 'project-ideas'}/${encodeURIComponent(String(id))}/support`);

/** @param {string} token @returns {Promise<WithdrawStatus>} */
export const withdrawStatus = (token) => get(`/api/withdraw/${encodeURIComponent(token)}`);

/** @param {string} token @returns {Promise<{status: string}>} */
export const withdraw = (token) => request('DELETE', `/api/withdraw/${encodeURIComponent(token)}`);

/** The page where a contribution can be withdrawn: the token travels in the fragment,
 * which the browser never sends to a server nor puts in a Referer. */
export function withdrawLink(/** @type {string} */ token) {
  return new URL(`/withdraw.html#${encodeURIComponent(token)}`, window.location.href).href;
}

/** Today in the reader's time zone, `YYYY-MM-DD`. */
export function today() {
  const d = new Date();
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
