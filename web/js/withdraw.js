// @ts-check
// The withdraw page: the secret token comes in the link's fragment (never sent to a
// server, never in a Referer); the page shows what became of the contribution and
// withdraws it on request (DELETE /api/withdraw/{token}).

import { byId } from './dom.js';
import { applyTexts, lookup, wireLanguageSwitch } from './i18n/apply.js';
import { strings } from './i18n/index.js';
import * as api from './participate/api.js';
import { RequestFailed } from './participate/http.js';

/** @typedef {import('./i18n/index.js').Lang} Lang */

let lang = wireLanguageSwitch((chosen) => {
  lang = chosen;
  render();
});
/** @type {api.WithdrawStatus | null} */
let shown = null;
/** @type {string | null} the status line's string path */
let line = null;
/** @type {string | null} */
let lineText = null;

const token = decodeURIComponent(window.location.hash.replace(/^#/, '')).trim();

function setLine(/** @type {string | null} */ path, /** @type {string | null} */ textValue = null, error = false) {
  line = path;
  lineText = textValue;
  const node = byId('wd-status-line');
  node.classList.toggle('status-error', error);
  node.textContent = lineText ?? (line ? lookup(lang, line) ?? '' : '');
}

/** A status as the reader says it (`pending` → in afwachting). */
function statusText(/** @type {string} */ status) {
  return lookup(lang, `wd.statuses.${status}`) ?? status;
}

function render() {
  const t = strings(lang);
  document.title = `${t.wd.title} — ${t.title}`;
  applyTexts(document.body, lang);
  setLine(line, lineText, byId('wd-status-line').classList.contains('status-error'));
  if (!shown) return;
  byId('wd-details').hidden = false;
  byId('wd-kind').textContent = lookup(lang, `wd.kinds.${shown.kind}`) ?? shown.kind;
  byId('wd-created').textContent = formatWhen(shown.created_at);
  const status = byId('wd-status');
  // A project idea's review says more than "accepted": submitted, under review, selected…
  status.textContent = shown.review && shown.status === 'accepted' ? statusText(shown.review) : statusText(shown.status);
  status.dataset.status = shown.status;
  byId('wd-reason-row').hidden = !shown.public_reason;
  byId('wd-reason').textContent = shown.public_reason ?? '';
  byId('wd-actions').hidden = shown.status === 'withdrawn';
  document.documentElement.dataset.withdrawStatus = shown.status;
}

function formatWhen(/** @type {string} */ iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(strings(lang).locale, { dateStyle: 'long', timeStyle: 'short' }).format(date);
}

function failure(/** @type {unknown} */ err) {
  if (err instanceof RequestFailed && err.status === 404) return setLine('wd.unknown', null, true);
  if (err instanceof RequestFailed && err.status === 429) return setLine(null, strings(lang).part.errors.tooMany(err.retryAfter ?? 60), true);
  if (err instanceof RequestFailed && err.status !== 0 && err.serverMessage) return setLine(null, err.serverMessage, true);
  return setLine('part.errors.network', null, true);
}

async function load() {
  if (!token) {
    setLine('wd.noToken', null, true);
    document.documentElement.dataset.withdrawStatus = 'none';
    return;
  }
  setLine('wd.loading');
  try {
    shown = await api.withdrawStatus(token);
    setLine(null);
  } catch (err) {
    failure(err);
    document.documentElement.dataset.withdrawStatus = 'error';
  }
  render();
}

byId('wd-withdraw').addEventListener('click', async () => {
  const button = /** @type {HTMLButtonElement} */ (byId('wd-withdraw'));
  button.disabled = true;
  try {
    const answer = await api.withdraw(token);
    if (shown) shown = { ...shown, status: answer?.status ?? 'withdrawn', public_reason: null };
    setLine('wd.done');
  } catch (err) {
    failure(err);
  } finally {
    button.disabled = false;
  }
  render();
});

render();
load();
