// Logs and health: the project's recent requests as the gateway saw them (newest first, kept in the gateway's
// memory: the last 200 per project since it started), and the health of every MadBase service.
import { api, session, studio } from './api.js';
import { h, mount, crumbs } from './dom.js';
import { projectTabs } from './projects.js';

const CLASSES = [['', 'All statuses'], ['2', '2xx'], ['3', '3xx'], ['4', '4xx'], ['5', '5xx']];

export async function logsPage(ref) {
  crumbs(['Projects', '#/projects'], [ref, `#/p/${ref}`], ['Logs']);
  const table = h('table.grid.logs');
  const health = h('div');
  const status = h('p.muted', { role: 'status' });
  const statusClass = h('select', { 'aria-label': 'Status' }, CLASSES.map(([v, label]) => h('option', { value: v }, label)));
  const path = h('input', { type: 'search', 'aria-label': 'Path contains', placeholder: 'Path contains', autocomplete: 'off' });
  let requests = [];

  function render() {
    const shown = requests.filter((r) => (!statusClass.value || String(r.status).startsWith(statusClass.value))
      && (!path.value || r.path.includes(path.value)));
    table.replaceChildren(
      h('thead', {}, h('tr', {}, ['Time', 'Method', 'Path', 'Status', 'Duration', 'Request id'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, shown.length ? shown.map((r) => h('tr', {},
        h('td', {}, new Date(r.time).toLocaleTimeString()),
        h('td', {}, r.method),
        h('td', {}, h('code', {}, r.path)),
        h('td', {}, h(`span.badge${r.status >= 500 ? '.bad' : r.status >= 400 ? '.warn' : '.ok'}`, {}, String(r.status))),
        h('td', {}, `${r.duration_ms} ms`),
        h('td', {}, h('code', {}, r.request_id))))
        : h('tr', {}, h('td', { colspan: 6 }, requests.length ? 'No request matches.' : 'No requests since the gateway started.'))));
    status.textContent = `${shown.length} of the last ${requests.length} requests`;
  }

  async function load() {
    const [recent, services] = await Promise.all([studio('GET', ref, '/requests?limit=200'), api('GET', '/studio/api/health')]);
    requests = recent;
    render();
    health.replaceChildren(h('div.table-wrap', {}, h('table.grid', {},
      h('thead', {}, h('tr', {}, ['Service', 'Status', 'Answered in', 'URL'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, services.services.map((s) => h('tr', {},
        h('td', {}, s.name),
        h('td', {}, h(`span.badge${s.status === 'Healthy' ? '.ok' : s.status === 'Degraded' ? '.warn' : '.bad'}`, {}, s.status)),
        h('td', {}, `${s.duration_ms} ms`),
        h('td', {}, h('code', {}, s.url))))))));
  }

  const filters = h('form.filters', { role: 'search' }, statusClass, path);
  filters.addEventListener('submit', (event) => event.preventDefault());
  statusClass.addEventListener('change', render);
  path.addEventListener('input', render);
  mount(
    h('div.page-head', {}, h('h1', {}, 'Logs'), h('span', {}, h('button', { type: 'button', onclick: load }, 'Refresh'))),
    projectTabs(ref, 'Logs'),
    h('section.card', { 'aria-labelledby': 'health-h' }, h('h2', { id: 'health-h' }, 'Service health'), health,
      session.dashboardUrl
        ? h('p', {}, 'Traces, metrics and every service\'s logs: ', h('a', { href: session.dashboardUrl, target: '_blank', rel: 'noopener' }, 'open the Aspire dashboard'))
        : h('p.hint', {}, 'Each service also serves Prometheus metrics at /metrics (the gateway on its metrics port).')),
    h('section', { 'aria-labelledby': 'requests-h' }, h('h2', { id: 'requests-h' }, 'Recent requests'), filters,
      h('div.table-wrap', {}, table), status));
  await load();
}
