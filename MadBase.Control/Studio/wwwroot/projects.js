// Projects: the list, a new project, one project's URL, keys and signing keys, its settings, and deletion.
import { admin, apiUrl, session } from './api.js';
import { h, mount, crumbs, field, toast, copy, dialog } from './dom.js';

export function projectTabs(ref, current) {
  const tabs = [['Overview', `#/p/${ref}`], ['Table editor', `#/p/${ref}/tables`], ['SQL editor', `#/p/${ref}/sql`], ['Auth', `#/p/${ref}/auth`],
    ['Storage', `#/p/${ref}/storage`], ['Logs', `#/p/${ref}/logs`], ['Settings', `#/p/${ref}/settings`]];
  return h('nav.tabs', { 'aria-label': 'Project' }, tabs.map(([label, href]) =>
    h('a', { href, 'aria-current': label === current ? 'page' : null }, label)));
}

export async function projectsPage() {
  crumbs(['Projects']);
  const projects = await admin('GET', '/projects');
  const rows = projects.map((p) => h('tr', {},
    h('td', {}, h('a', { href: `#/p/${p.ref}` }, p.name)),
    h('td', {}, h('code', {}, p.ref)),
    h('td', {}, new Date(p.created_at).toLocaleString())));
  mount(
    h('div.page-head', {}, h('h1', {}, 'Projects'), h('button.primary', { type: 'button', onclick: newProject }, 'New project')),
    h('div.table-wrap', {}, h('table.grid', {},
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Ref'), h('th', { scope: 'col' }, 'Created'))),
      h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 3 }, 'No projects yet.'))))));
}

function newProject() {
  const name = h('input', { name: 'name', required: true, maxlength: 256, autocomplete: 'off' });
  const ref = h('input', { name: 'ref', pattern: '[a-z][a-z0-9]{2,39}', autocomplete: 'off', placeholder: 'generated when empty' });
  dialog('New project', [field('Name', name), field('Ref', ref, '3 to 40 lowercase letters and digits, starting with a letter.')], async () => {
    const created = await admin('POST', '/projects', { name: name.value, ...(ref.value ? { ref: ref.value } : {}) });
    toast(`Project ${created.name} created`);
    location.hash = `#/p/${created.ref}`;
  }, { submit: 'Create project' });
}

function secretRow(label, value, { hidden = false } = {}) {
  const shown = h('code.key', {}, hidden ? '•'.repeat(24) : value);
  const reveal = hidden ? h('button.ghost', {
    type: 'button',
    'aria-pressed': 'false',
    onclick: () => {
      const show = reveal.getAttribute('aria-pressed') === 'false';
      shown.textContent = show ? value : '•'.repeat(24);
      reveal.setAttribute('aria-pressed', String(show));
      reveal.textContent = show ? 'Hide' : 'Reveal';
    },
  }, 'Reveal') : null;
  return h('div.kv', {}, h('span.k', {}, label), shown,
    h('span.kv-actions', {}, reveal, h('button.ghost', { type: 'button', onclick: () => copy(value, label) }, 'Copy')));
}

export async function projectPage(ref) {
  const project = await admin('GET', `/projects/${ref}`);
  crumbs(['Projects', '#/projects'], [project.name]);
  const keys = h('tbody', {}, project.signing_keys.map((k) => h('tr', {},
    h('td', {}, h('code', {}, k.kid)), h('td', {}, k.algorithm), h('td', {}, k.status),
    h('td', {}, new Date(k.created_at).toLocaleString()))));
  const confirmInput = h('input', { name: 'confirm', autocomplete: 'off', spellcheck: 'false' });
  mount(
    h('div.page-head', {}, h('h1', {}, project.name), h('code.muted', {}, project.ref)),
    projectTabs(ref, 'Overview'),
    h('section.card', { 'aria-labelledby': 'api-h' },
      h('h2', { id: 'api-h' }, 'API'),
      secretRow('API URL', apiUrl(ref)),
      secretRow('anon key', project.anon_key),
      secretRow('service_role key', project.service_role_key, { hidden: true }),
      h('p.hint', {}, 'The service_role key bypasses row level security: keep it on servers only.')),
    h('section.card', { 'aria-labelledby': 'keys-h' },
      h('h2', { id: 'keys-h' }, 'JWT signing keys'),
      project.signing_keys.length
        ? h('div.table-wrap', {}, h('table.grid', {}, h('thead', {}, h('tr', {}, ['Key id', 'Algorithm', 'Status', 'Created'].map((c) => h('th', { scope: 'col' }, c)))), keys))
        : h('p.muted', {}, `Tokens are signed with the project's shared secret (${project.settings.auth.jwt_signing.algorithm}). Choose RS256 or ES256 in the settings to use a key pair.`),
      h('button', {
        type: 'button',
        disabled: !project.signing_keys.length,
        onclick: () => dialog('Rotate the signing key?', h('p', {}, 'A new key signs from now on; the current one keeps verifying until its tokens expire.'), async () => {
          await admin('POST', `/projects/${ref}/jwt_signing/rotate`);
          toast('Signing key rotated');
          await projectPage(ref);
        }, { submit: 'Rotate' }),
      }, 'Rotate signing key')),
    h('section.card.danger-zone', { 'aria-labelledby': 'del-h' },
      h('h2', { id: 'del-h' }, 'Delete project'),
      h('p', {}, 'Deleting drops the project\'s database and everything in it. It cannot be undone.'),
      h('button.danger', {
        type: 'button',
        onclick: () => {
          confirmInput.value = '';
          dialog(`Delete ${project.name}?`, [h('p', {}, 'Type the project ref ', h('code', {}, ref), ' to confirm.'), field('Project ref', confirmInput)], async () => {
            if (confirmInput.value !== ref) throw new Error(`Type ${ref} exactly to delete this project.`);
            await admin('DELETE', `/projects/${ref}?confirm=${encodeURIComponent(confirmInput.value)}`);
            toast(`Project ${project.name} deleted`);
            location.hash = '#/projects';
          }, { submit: 'Delete project', danger: true });
        },
      }, 'Delete project')),
    session.dashboardUrl ? h('p', {}, h('a', { href: session.dashboardUrl, target: '_blank', rel: 'noopener' }, 'Open the Aspire dashboard')) : null);
}

// The settings the form edits: [path in settings, label, input type, hint].
const SETTINGS = [
  ['auth.site_url', 'Site URL', 'url', 'Where auth links send users back to.'],
  ['auth.disable_signup', 'Disable sign-ups', 'checkbox'],
  ['auth.autoconfirm', 'Confirm emails automatically', 'checkbox'],
  ['auth.anonymous_sign_ins', 'Allow anonymous sign-ins', 'checkbox'],
  ['auth.passkey.enabled', 'Allow passkey sign-in', 'checkbox', 'Bound to the site URL (its host is the RP ID) unless auth.webauthn names the relying party.'],
  ['auth.jwt_expiry_seconds', 'JWT expiry (seconds)', 'number', '1 to 604800.'],
  ['auth.min_password_length', 'Minimum password length', 'number', '6 to 72.'],
  ['auth.jwt_signing.algorithm', 'JWT signing algorithm', 'select:HS256,RS256,ES256'],
  ['auth.smtp_host', 'SMTP host', 'text', 'Empty: mails are captured, not sent.'],
  ['auth.smtp_port', 'SMTP port', 'number'],
  ['auth.smtp_admin_email', 'Sender address', 'email'],
  ['rest.schemas', 'Exposed schemas', 'list', 'Comma-separated.'],
  ['rest.max_rows', 'Max rows per request', 'number', 'Empty: no limit.'],
  ['storage.file_size_limit', 'Upload size limit (bytes)', 'number'],
];

const read = (obj, path) => path.split('.').reduce((o, k) => o?.[k], obj);
function write(obj, path, value) {
  const keys = path.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) o = (o[k] ??= {});
  o[keys.at(-1)] = value;
}

export async function settingsPage(ref) {
  const project = await admin('GET', `/projects/${ref}`);
  crumbs(['Projects', '#/projects'], [project.name, `#/p/${ref}`], ['Settings']);
  const inputs = new Map();
  const fields = SETTINGS.map(([path, label, type, hint]) => {
    const value = read(project.settings, path);
    let input;
    if (type === 'checkbox') {
      input = h('input', { type: 'checkbox', name: path, checked: Boolean(value) });
    } else if (type.startsWith('select:')) {
      input = h('select', { name: path }, type.slice(7).split(',').map((o) => h('option', { value: o, selected: o === value }, o)));
    } else {
      input = h('input', { type: type === 'list' ? 'text' : type, name: path, value: Array.isArray(value) ? value.join(', ') : value ?? '' });
    }
    inputs.set(path, [input, type]);
    return field(label, input, hint);
  });
  const name = h('input', { name: 'name', value: project.name, required: true, maxlength: 256 });
  const error = h('p.form-error', { role: 'alert' });
  const form = h('form.card.settings', { novalidate: true }, field('Project name', name), fields, error,
    h('div.actions', {}, h('button.primary', { type: 'submit' }, 'Save settings')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    form.querySelectorAll('.field-error').forEach((e) => { e.textContent = ''; });
    error.textContent = '';
    const settings = {};
    for (const [path, [input, type]] of inputs) {
      let value = input.value;
      if (type === 'checkbox') value = input.checked;
      else if (type === 'number') value = value.trim() === '' ? null : Number(value);
      else if (type === 'list') value = value.split(',').map((s) => s.trim()).filter(Boolean);
      else if (value.trim() === '') value = null;
      write(settings, path, value);
    }
    try {
      await admin('PATCH', `/projects/${ref}`, { name: name.value, settings });
      toast('Settings saved');
    } catch (e) {
      // The server names the setting ("settings.auth.site_url must be…"): show it under that field.
      const path = SETTINGS.map(([p]) => p).find((p) => e.message.startsWith(`settings.${p}`));
      const target = path && document.getElementById(`${inputs.get(path)[0].id}-error`);
      if (target) { target.textContent = e.message; inputs.get(path)[0].focus(); } else error.textContent = e.message;
    }
  });
  mount(h('div.page-head', {}, h('h1', {}, 'Settings')), projectTabs(ref, 'Settings'), form);
}
