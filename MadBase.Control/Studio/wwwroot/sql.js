// The SQL editor: runs the text on the project's database as its owner, with a row limit and a statement
// timeout; shows the last result as a grid, or the error with its position marked. History stays in this
// browser (localStorage, per project), and holds only the queries typed here.
import { studio } from './api.js';
import { h, mount, crumbs, field } from './dom.js';
import { projectTabs } from './projects.js';

const HISTORY = 30;
const historyKey = (ref) => `madbase-studio-sql-history:${ref}`;
const loadHistory = (ref) => { try { return JSON.parse(localStorage.getItem(historyKey(ref))) ?? []; } catch { return []; } };

export async function sqlPage(ref) {
  crumbs(['Projects', '#/projects'], [ref, `#/p/${ref}`], ['SQL editor']);
  const editor = h('textarea.sql', { rows: 10, spellcheck: 'false', 'aria-label': 'SQL', placeholder: 'select now();' });
  const limit = h('input', { type: 'number', min: 1, max: 10000, value: 1000 });
  const timeout = h('input', { type: 'number', min: 1, max: 300, value: 30 });
  const run = h('button.primary', { type: 'submit' }, 'Run');
  const output = h('div.sql-output', { 'aria-live': 'polite' });
  const history = h('ol.history');
  const history0 = loadHistory(ref);
  editor.value = history0[0] ?? '';

  function showHistory() {
    history.replaceChildren(...loadHistory(ref).map((q) => h('li', {}, h('button.ghost', {
      type: 'button', title: q, onclick: () => { editor.value = q; editor.focus(); },
    }, q.length > 80 ? `${q.slice(0, 80)}…` : q))));
  }

  const form = h('form.card.sql-form', {}, editor,
    h('div.sql-bar', {}, field('Row limit', limit), field('Timeout (s)', timeout), run, h('span.hint', {}, 'Ctrl+Enter runs')));
  editor.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const query = editor.value;
    if (!query.trim()) return;
    localStorage.setItem(historyKey(ref), JSON.stringify([query, ...loadHistory(ref).filter((q) => q !== query)].slice(0, HISTORY)));
    showHistory();
    run.disabled = true;
    output.replaceChildren(h('p.muted', {}, 'Running…'));
    try {
      const result = await studio('POST', ref, '/sql', { query, row_limit: Number(limit.value), timeout_seconds: Number(timeout.value) });
      output.replaceChildren(resultGrid(result));
    } catch (e) {
      output.replaceChildren(errorView(query, e));
    } finally {
      run.disabled = false;
    }
  });
  showHistory();
  mount(h('div.page-head', {}, h('h1', {}, 'SQL editor')), projectTabs(ref, 'SQL editor'),
    h('div.split.sql-split', {}, h('div', {}, form, output), h('aside.sidebar', { 'aria-label': 'History' }, h('h2', {}, 'History'), history)));
  editor.focus();
}

function resultGrid(result) {
  const summary = `${result.rows.length} row${result.rows.length === 1 ? '' : 's'}${result.truncated ? ' (limit reached: more were dropped)' : ''}` +
    `${result.rows_affected ? `, ${result.rows_affected} affected` : ''} in ${result.duration_ms} ms`;
  if (!result.columns.length) return h('p.ok-text', { role: 'status' }, `Success. ${summary}`);
  return h('div', {}, h('p.muted', { role: 'status' }, summary), h('div.table-wrap', {}, h('table.grid.rows', {},
    h('thead', {}, h('tr', {}, result.columns.map((c) => h('th', { scope: 'col' }, c.name, h('small', {}, ` ${c.type}`))))),
    h('tbody', {}, result.rows.map((row) => h('tr', {}, row.map((v) => h('td', {}, v === null ? h('span.null', {}, 'NULL') : v))))))));
}

function errorView(query, e) {
  const body = e.body ?? {};
  const parts = [h('p.form-error', { role: 'alert' }, `${body.sqlstate ? `ERROR ${body.sqlstate}: ` : ''}${e.message}`)];
  if (body.position) {
    // Postgres counts characters from 1; show the line with a caret under the spot.
    const at = body.position - 1;
    const start = query.lastIndexOf('\n', at - 1) + 1;
    const end = query.indexOf('\n', at);
    const line = query.slice(start, end < 0 ? undefined : end);
    const lineNo = query.slice(0, start).split('\n').length;
    parts.push(h('p', {}, `At line ${lineNo}, column ${at - start + 1} (character ${body.position}):`),
      h('pre.caret', {}, `${line}\n${' '.repeat(at - start)}^`));
  }
  if (body.detail) parts.push(h('p', {}, `Detail: ${body.detail}`));
  if (body.hint) parts.push(h('p', {}, `Hint: ${body.hint}`));
  return h('div.card.error-card', {}, parts);
}
