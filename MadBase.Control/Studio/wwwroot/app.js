// Studio's shell: sign-in, the theme, and a hash router (#/projects, #/p/<ref>/<page>/...), so every view
// has a URL that holds no secret.
import { resume, signIn, signOut } from './api.js';
import { h, mount, crumbs, field, toast } from './dom.js';
import { projectsPage, projectPage, settingsPage } from './projects.js';
import { tablesPage } from './tables.js';
import { sqlPage } from './sql.js';
import { usersPage, userPage, mailPage } from './auth.js';
import { storagePage } from './storage.js';
import { logsPage } from './logs.js';

const THEME_KEY = 'madbase-studio-theme';

function applyTheme(theme) {
  if (theme) document.documentElement.dataset.theme = theme;
}

document.getElementById('theme').addEventListener('click', () => {
  const dark = document.documentElement.dataset.theme
    ? document.documentElement.dataset.theme === 'dark'
    : matchMedia('(prefers-color-scheme: dark)').matches;
  const next = dark ? 'light' : 'dark';
  localStorage.setItem(THEME_KEY, next);
  applyTheme(next);
});
applyTheme(localStorage.getItem(THEME_KEY));

const signOutButton = document.getElementById('signout');
signOutButton.addEventListener('click', async () => {
  await signOut().catch(() => {});
  showSignIn();
});
window.addEventListener('studio:signed-out', () => showSignIn('Your session has expired: sign in again.'));

function showSignIn(message) {
  signOutButton.hidden = true;
  crumbs(['Sign in']);
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const error = h('p.form-error', { role: 'alert' }, message ?? '');
  const form = h('form.card.signin', {},
    h('h1', {}, 'Sign in to MadBase Studio'),
    h('p.muted', {}, 'Use the admin password (Admin__Password) of this MadBase.'),
    field('Admin password', password),
    error,
    h('button.primary', { type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      await signIn(password.value);
      signOutButton.hidden = false;
      route();
    } catch (e) {
      error.textContent = e.message;
      password.select();
    }
  });
  mount(form);
  password.focus();
}

const routes = [
  [/^#\/projects$/, () => projectsPage()],
  [/^#\/p\/([a-z0-9]+)$/, (ref) => projectPage(ref)],
  [/^#\/p\/([a-z0-9]+)\/settings$/, (ref) => settingsPage(ref)],
  [/^#\/p\/([a-z0-9]+)\/tables(?:\/([^/?]+)\/([^/?]+))?(?:\?(.*))?$/, (ref, schema, table, query) =>
    tablesPage(ref, schema && decodeURIComponent(schema), table && decodeURIComponent(table), query)],
  [/^#\/p\/([a-z0-9]+)\/sql$/, (ref) => sqlPage(ref)],
  [/^#\/p\/([a-z0-9]+)\/auth$/, (ref) => usersPage(ref)],
  [/^#\/p\/([a-z0-9]+)\/auth\/mail$/, (ref) => mailPage(ref)],
  [/^#\/p\/([a-z0-9]+)\/auth\/users\/([0-9a-f-]+)$/, (ref, id) => userPage(ref, id)],
  [/^#\/p\/([a-z0-9]+)\/storage(?:\/([^/]+)(?:\/(.*))?)?$/, (ref, bucket, folder) =>
    storagePage(ref, bucket && decodeURIComponent(bucket), folder && folder.split('/').map(decodeURIComponent).join('/'))],
  [/^#\/p\/([a-z0-9]+)\/logs$/, (ref) => logsPage(ref)],
];

async function route() {
  const hash = location.hash || '#/projects';
  for (const [pattern, render] of routes) {
    const match = hash.match(pattern);
    if (match) {
      try {
        await render(...match.slice(1));
      } catch (e) {
        if (e.status !== 401 || e.body?.code !== 401) mount(h('div.card', {}, h('h1', {}, 'Something went wrong'), h('p.form-error', { role: 'alert' }, e.message)));
      }
      document.getElementById('main').focus({ preventScroll: true });
      return;
    }
  }
  location.hash = '#/projects';
}

window.addEventListener('hashchange', () => { if (!signOutButton.hidden) route(); });

if (await resume()) {
  signOutButton.hidden = false;
  route();
} else {
  showSignIn();
}
