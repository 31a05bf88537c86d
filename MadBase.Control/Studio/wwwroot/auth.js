// Auth: the project's users (search, pages, create, invite, magic link), one user's identities and sessions
// (ban, unban, delete), and the mails the project captured while no SMTP server is set. Studio calls the
// project's own GoTrue admin API as its owner, through Control (/studio/api/projects/<ref>/auth/...).
import { admin, request, studio } from './api.js';
import { h, mount, crumbs, field, toast, dialog } from './dom.js';
import { projectTabs } from './projects.js';

const PAGE = 25;
const BANS = [['1h', '1 hour'], ['24h', '1 day'], ['168h', '1 week'], ['876000h', 'Indefinitely']];
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
const banned = (u) => u.banned_until && new Date(u.banned_until) > new Date();

function authTabs(ref, current) {
  return h('nav.subtabs', { 'aria-label': 'Auth' }, [['Users', `#/p/${ref}/auth`], ['Mail', `#/p/${ref}/auth/mail`]].map(([label, href]) =>
    h('a', { href, 'aria-current': label === current ? 'page' : null }, label)));
}

function head(ref, title, current, extra = []) {
  crumbs(['Projects', '#/projects'], [ref, `#/p/${ref}`], ['Auth', `#/p/${ref}/auth`], ...(title ? [[title]] : []));
  return [h('div.page-head', {}, h('h1', {}, 'Auth'), h('span', {}, extra)), projectTabs(ref, 'Auth'), authTabs(ref, current)];
}

export async function usersPage(ref) {
  const state = { page: 1, filter: '' };
  const status = h('p.muted', { role: 'status' });
  const table = h('table.grid');
  const prev = h('button', { type: 'button', onclick: () => { state.page--; load(); } }, '← Previous');
  const next = h('button', { type: 'button', onclick: () => { state.page++; load(); } }, 'Next →');
  const search = h('input', { type: 'search', 'aria-label': 'Search users by email or name', placeholder: 'Search by email or name', autocomplete: 'off' });
  const searchForm = h('form.filters', { role: 'search' }, search, h('button', { type: 'submit' }, 'Search'));
  searchForm.addEventListener('submit', (event) => {
    event.preventDefault();
    state.filter = search.value.trim();
    state.page = 1;
    load();
  });

  async function load() {
    const params = new URLSearchParams({ page: state.page, per_page: PAGE });
    if (state.filter) params.set('filter', state.filter);
    const { json, response } = await request('GET', `/studio/api/projects/${ref}/auth/admin/users?${params}`);
    const total = Number(response.headers.get('X-Total-Count') ?? json.users.length);
    const rows = json.users.map((u) => h('tr', {},
      h('td', {}, h('a', { href: `#/p/${ref}/auth/users/${u.id}` }, u.email || u.phone || u.id)),
      h('td', {}, (u.identities ?? []).map((i) => i.provider).join(', ') || '—'),
      h('td', {}, when(u.created_at)),
      h('td', {}, when(u.last_sign_in_at)),
      h('td', {}, banned(u) ? h('span.badge.warn', {}, 'banned')
        : u.email_confirmed_at || u.phone_confirmed_at ? h('span.badge.ok', {}, 'confirmed')
          : u.invited_at ? h('span.badge', {}, 'invited') : h('span.badge', {}, 'unconfirmed'))));
    table.replaceChildren(
      h('thead', {}, h('tr', {}, ['User', 'Providers', 'Created', 'Last sign-in', 'Status'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 5 }, state.filter ? 'No user matches.' : 'No users yet.'))));
    const first = (state.page - 1) * PAGE;
    status.textContent = total ? `Users ${first + 1}–${first + json.users.length} of ${total}` : 'No users';
    prev.disabled = state.page === 1;
    next.disabled = first + json.users.length >= total;
  }

  mount(...head(ref, null, 'Users', [
    h('button', { type: 'button', onclick: () => sendLink(ref, 'invite') }, 'Invite'),
    h('button', { type: 'button', onclick: () => sendLink(ref, 'magiclink') }, 'Send magic link'),
    h('button.primary', { type: 'button', onclick: () => createUser(ref) }, 'Create user')]),
  searchForm, h('div.table-wrap', {}, table), h('div.pager', {}, prev, status, next));
  await load();
}

function createUser(ref) {
  const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'off' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'new-password', minlength: 6 });
  const confirm = h('input', { type: 'checkbox', checked: true });
  dialog('Create user', [field('Email', email), field('Password', password, 'Leave empty for a user who signs in by link.'),
    h('label.inline', {}, confirm, ' Mark the email as confirmed')], async () => {
    const user = await studio('POST', ref, '/auth/admin/users', {
      email: email.value, ...(password.value ? { password: password.value } : {}), email_confirm: confirm.checked,
    });
    toast(`User ${user.email} created`);
    location.hash = `#/p/${ref}/auth/users/${user.id}`;
  }, { submit: 'Create user' });
}

function sendLink(ref, kind) {
  const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'off' });
  const title = kind === 'invite' ? 'Invite a user' : 'Send a magic link';
  dialog(title, [field('Email', email, kind === 'invite' ? 'Creates the user and mails an invitation.' : 'Mails a one-time sign-in link (the user is created if sign-ups are open).')], async () => {
    await studio('POST', ref, `/auth/${kind}`, { email: email.value });
    toast(kind === 'invite' ? `Invitation sent to ${email.value}` : `Magic link sent to ${email.value}`);
  }, { submit: kind === 'invite' ? 'Send invitation' : 'Send link' });
}

export async function userPage(ref, id) {
  const [user, sessions] = await Promise.all([
    studio('GET', ref, `/auth/admin/users/${encodeURIComponent(id)}`),
    studio('GET', ref, `/users/${encodeURIComponent(id)}/sessions`)]);
  const name = user.email || user.phone || user.id;
  const kv = (k, v) => h('div.kv', {}, h('span.k', {}, k), h('span', {}, v || '—'), h('span'));
  const ban = () => {
    const duration = h('select', { name: 'duration' }, BANS.map(([v, label]) => h('option', { value: v }, label)));
    dialog(`Ban ${name}?`, [h('p', {}, 'A banned user cannot sign in or refresh a session until the ban ends.'), field('Duration', duration)], async () => {
      await studio('PUT', ref, `/auth/admin/users/${encodeURIComponent(id)}`, { ban_duration: duration.value });
      toast(`${name} banned`);
      await userPage(ref, id);
    }, { submit: 'Ban user', danger: true });
  };
  const unban = async () => {
    await studio('PUT', ref, `/auth/admin/users/${encodeURIComponent(id)}`, { ban_duration: 'none' });
    toast(`${name} unbanned`);
    await userPage(ref, id);
  };
  const remove = () => dialog(`Delete ${name}?`, h('p', {}, 'The user, their identities and sessions are deleted. This cannot be undone.'), async () => {
    await studio('DELETE', ref, `/auth/admin/users/${encodeURIComponent(id)}`);
    toast(`${name} deleted`);
    location.hash = `#/p/${ref}/auth`;
  }, { submit: 'Delete user', danger: true });

  mount(...head(ref, name, 'Users', [
    banned(user) ? h('button', { type: 'button', onclick: unban }, 'Unban') : h('button', { type: 'button', onclick: ban }, 'Ban'),
    h('button.danger', { type: 'button', onclick: remove }, 'Delete user')]),
  h('section.card', { 'aria-labelledby': 'user-h' }, h('h2', { id: 'user-h' }, name),
    kv('User id', h('code', {}, user.id)), kv('Email', user.email), kv('Phone', user.phone),
    kv('Role', user.role), kv('Created', when(user.created_at)), kv('Last sign-in', when(user.last_sign_in_at)),
    kv('Email confirmed', when(user.email_confirmed_at)),
    kv('Banned until', banned(user) ? h('span.danger-text', {}, when(user.banned_until)) : 'not banned')),
  h('section.card', { 'aria-labelledby': 'ids-h' }, h('h2', { id: 'ids-h' }, 'Identities'),
    listTable(['Provider', 'Provider id', 'Email', 'Last sign-in', 'Created'], (user.identities ?? []).map((i) =>
      [i.provider, h('code', {}, i.id), i.email ?? i.identity_data?.email, when(i.last_sign_in_at), when(i.created_at)]), 'No identities.')),
  h('section.card', { 'aria-labelledby': 'sessions-h' }, h('h2', { id: 'sessions-h' }, 'Sessions'),
    listTable(['Session', 'Created', 'Refreshed', 'AAL', 'IP', 'User agent'], sessions.map((s) =>
      [h('code', {}, s.id.slice(0, 8)), when(s.created_at), when(s.refreshed_at ?? s.updated_at), s.aal, s.ip, s.user_agent]), 'No sessions.')));
}

function listTable(columns, rows, empty) {
  return h('div.table-wrap', {}, h('table.grid', {},
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.length ? rows.map((r) => h('tr', {}, r.map((v) => h('td', {}, v ?? '—'))))
      : h('tr', {}, h('td', { colspan: columns.length }, empty)))));
}

// Mails are the project's HTML: shown as text (DOMParser runs no script and loads nothing), with the link and code.
export async function mailPage(ref) {
  const to = h('input', { type: 'search', 'aria-label': 'Recipient', placeholder: 'Recipient (all when empty)', autocomplete: 'off' });
  const list = h('div');
  const form = h('form.filters', { role: 'search' }, to, h('button', { type: 'submit' }, 'Show'));
  async function load() {
    const mails = await admin('GET', `/projects/${ref}/mail${to.value ? `?to=${encodeURIComponent(to.value)}` : ''}`);
    list.replaceChildren(...(mails.length ? mails.map((m) => h('details.card.mail', {},
      h('summary', {}, h('strong', {}, m.subject), h('span.muted', {}, ` to ${m.to} · ${m.kind} · ${when(m.created_at)}`)),
      m.link ? h('p', {}, 'Link: ', h('code.wrap', {}, m.link)) : null,
      m.otp ? h('p', {}, 'Code: ', h('code', {}, m.otp)) : null,
      h('pre.mail-text', {}, new DOMParser().parseFromString(m.html, 'text/html').body.textContent.trim())))
      : [h('p.muted', {}, 'No captured mail. Mails are captured here while the project has no SMTP server set.')]));
  }
  form.addEventListener('submit', (event) => { event.preventDefault(); load(); });
  mount(...head(ref, 'Mail', 'Mail', [h('button', { type: 'button', onclick: load }, 'Refresh')]), form, list);
  await load();
}
