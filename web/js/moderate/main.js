// @ts-check
// The moderation page: sign in (accounts are made on the command line), then, for a
// moderator, the queue and the audit log; for a moderator or a partner, the partner
// tools (calls, discovery days) and the project ideas. In Dutch, French or English like
// the atlas.

import { byId } from '../dom.js';
import { applyTexts, lookup, wireLanguageSwitch } from '../i18n/apply.js';
import { strings } from '../i18n/index.js';
import { field, form, input, wireSubmit } from '../participate/form.js';
import { createAudit } from './audit.js';
import { createPartnerTools } from './partner.js';
import { createProjects } from './projects.js';
import { createQueue } from './queue.js';
import * as session from './session.js';

/** @typedef {import('../i18n/index.js').Lang} Lang */

let lang = wireLanguageSwitch((chosen) => {
  lang = chosen;
  relabel();
});
const currentLang = () => lang;

/** The status line: a problem the server reported, or nothing. */
function report(/** @type {string} */ message) {
  const status = byId('mod-status');
  status.textContent = message;
  status.classList.toggle('status-error', Boolean(message));
}

const username = input('text', 'login-username', 'username', { autocomplete: 'username', maxlength: '200', autocapitalize: 'none', spellcheck: 'false' });
const password = input('password', 'login-password', 'password', { autocomplete: 'current-password', maxlength: '1000' });
const loginForm = form('login-form', [field('mod.login.username', username), field('mod.login.password', password)], 'mod.login.submit', { withHoneypot: false });
byId('login-box').append(loginForm);

/** @type {{queue: ReturnType<typeof createQueue>, audit: ReturnType<typeof createAudit>, partner: ReturnType<typeof createPartnerTools>, projects: ReturnType<typeof createProjects>} | null} */
let tools = null;

function relabel() {
  const t = strings(lang);
  document.title = `${t.mod.title} — ${t.title}`;
  applyTexts(document.body, lang);
  const s = session.session();
  if (s) byId('mod-role').textContent = lookup(lang, `mod.roles.${s.role}`) ?? s.role;
  if (tools) {
    tools.queue.relabel();
    tools.audit.relabel();
    tools.partner.relabel();
    tools.projects.relabel();
  }
}

function showSignedIn(/** @type {session.Session} */ s) {
  byId('login-section').hidden = true;
  byId('workspace').hidden = false;
  byId('mod-user').textContent = s.username;
  const moderator = s.role === 'moderator';
  for (const node of document.querySelectorAll('[data-role="moderator"]')) /** @type {HTMLElement} */ (node).hidden = !moderator;
  if (!tools) {
    tools = {
      queue: createQueue(currentLang, report),
      audit: createAudit(currentLang, report),
      partner: createPartnerTools(currentLang, () => tools?.projects.load()),
      projects: createProjects(currentLang, report),
    };
  }
  relabel();
  if (moderator) {
    tools.queue.load();
    tools.audit.load();
  }
  tools.partner.load();
  tools.projects.load();
  document.documentElement.dataset.session = s.role;
}

function showSignedOut() {
  byId('login-section').hidden = false;
  byId('workspace').hidden = true;
  password.value = '';
  document.documentElement.dataset.session = 'none';
}

wireSubmit(loginForm, currentLang, () => session.signIn(username.value.trim(), password.value), (s) => {
  password.value = '';
  report('');
  showSignedIn(s);
});

byId('logout').addEventListener('click', async () => {
  try {
    await session.signOut();
  } catch (err) {
    report(String(err instanceof Error ? err.message : err));
  }
  // The tools hold the previous account's data: start afresh.
  window.location.reload();
});

relabel();
session.resume().then((s) => (s ? showSignedIn(s) : showSignedOut()));
