// The table editor: schemas and tables, a grid of rows (sorting, filters, pages), row insert/edit/delete
// and new tables. Values travel as Postgres text; the server parses them as each column's type.
import { studio } from './api.js';
import { h, mount, crumbs, field, toast, dialog } from './dom.js';
import { projectTabs } from './projects.js';

const PAGE = 50;
const OPS = [['eq', '='], ['neq', '≠'], ['lt', '<'], ['lte', '≤'], ['gt', '>'], ['gte', '≥'], ['ilike', 'contains (ilike)'], ['is_null', 'is null'], ['not_null', 'is not null']];
const TYPES = ['int8', 'int4', 'int2', 'text', 'varchar', 'bool', 'uuid', 'timestamptz', 'timestamp', 'date', 'time', 'numeric', 'float8', 'float4', 'jsonb', 'json', 'bytea'];
const DEFAULTS = ['', 'identity', 'now()', 'gen_random_uuid()', 'true', 'false'];

const tableHref = (ref, schema, name, query = '') =>
  `#/p/${ref}/tables/${encodeURIComponent(schema)}/${encodeURIComponent(name)}${query ? `?${query}` : ''}`;

export async function tablesPage(ref, schema, table, query) {
  const list = await studio('GET', ref, '/tables');
  crumbs(['Projects', '#/projects'], [ref, `#/p/${ref}`], ['Table editor', `#/p/${ref}/tables`], ...(table ? [[`${schema}.${table}`]] : []));
  const bySchema = Map.groupBy(list.tables, (t) => t.schema);
  const side = h('aside.sidebar', { 'aria-label': 'Tables' },
    h('button.primary', { type: 'button', onclick: () => newTable(ref, list.schemas) }, 'New table'),
    list.schemas.map((s) => h('details', { open: s === (schema ?? 'public') },
      h('summary', {}, s),
      h('ul', {}, (bySchema.get(s) ?? []).map((t) => h('li', {},
        h('a', { href: tableHref(ref, t.schema, t.name), 'aria-current': t.schema === schema && t.name === table ? 'page' : null },
          h('span.name', {}, t.name),
          h('span.meta', {},
            t.kind !== 'table' ? h('span.badge', {}, t.kind.replace('_', ' ')) : null,
            t.row_count !== null ? h('span.count', { title: 'rows' }, `${t.row_count}${t.row_count_capped ? '+' : ''}`) : null,
            t.kind === 'table' ? h(`span.badge.${t.rls_enabled ? 'ok' : 'warn'}`, { title: 'Row level security' }, t.rls_enabled ? 'RLS' : 'no RLS') : null))))))));
  const body = h('section.editor', { 'aria-label': 'Rows' });
  mount(h('div.page-head', {}, h('h1', {}, 'Table editor')), projectTabs(ref, 'Table editor'), h('div.split', {}, side, body));
  if (table) await grid(ref, schema, table, new URLSearchParams(query ?? ''), body);
  else body.append(h('p.muted', {}, 'Choose a table, or create one.'));
}

async function grid(ref, schema, table, query, body) {
  const state = { offset: 0, order: null, desc: false, filters: [] };
  for (const [key, value] of query) {
    if (key.startsWith('where.')) state.filters.push([key.slice(6), value]);
  }
  const info = await studio('GET', ref, `/tables/${encodeURIComponent(schema)}/${encodeURIComponent(table)}`);
  const path = `/tables/${encodeURIComponent(schema)}/${encodeURIComponent(table)}/rows`;
  const editable = info.kind === 'table' && info.columns.some((c) => c.primary_key);
  const keyOf = (row) => Object.fromEntries(info.columns.map((c, i) => [c.name, row[i]]).filter(([name]) => info.columns.find((c) => c.name === name).primary_key));

  const filterColumn = h('select', { 'aria-label': 'Filter column' }, info.columns.map((c) => h('option', { value: c.name }, c.name)));
  const filterOp = h('select', { 'aria-label': 'Filter operator' }, OPS.map(([v, label]) => h('option', { value: v }, label)));
  const filterValue = h('input', { 'aria-label': 'Filter value', placeholder: 'value' });
  const chips = h('div.chips');
  const status = h('p.muted', { role: 'status' });
  const tableEl = h('table.grid.rows');
  const prev = h('button', { type: 'button', onclick: () => { state.offset = Math.max(0, state.offset - PAGE); load(); } }, '← Previous');
  const next = h('button', { type: 'button', onclick: () => { state.offset += PAGE; load(); } }, 'Next →');

  const filterForm = h('form.filters', { 'aria-label': 'Add a filter' }, filterColumn, filterOp, filterValue, h('button', { type: 'submit' }, 'Add filter'));
  filterForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const op = filterOp.value;
    state.filters.push([filterColumn.value, op === 'is_null' || op === 'not_null' ? op : `${op}:${op === 'ilike' ? `%${filterValue.value}%` : filterValue.value}`]);
    filterValue.value = '';
    state.offset = 0;
    load();
  });

  async function load() {
    const params = new URLSearchParams({ limit: PAGE, offset: state.offset });
    if (state.order) { params.set('order', state.order); params.set('desc', state.desc); }
    for (const [column, value] of state.filters) params.append(`where.${column}`, value);
    let page;
    try {
      page = await studio('GET', ref, `${path}?${params}`);
    } catch (e) {
      status.textContent = e.message;
      status.className = 'form-error';
      state.filters.pop();
      return;
    }
    status.className = 'muted';
    chips.replaceChildren(...state.filters.map(([column, value], i) => h('button.chip', {
      type: 'button', 'aria-label': `Remove filter ${column} ${value}`,
      onclick: () => { state.filters.splice(i, 1); state.offset = 0; load(); },
    }, `${column} ${value.replace(':', ' ')} ✕`)));
    const head = h('tr', {}, info.columns.map((c) => {
      const sorted = state.order === c.name ? (state.desc ? 'descending' : 'ascending') : 'none';
      return h('th', { scope: 'col', 'aria-sort': sorted }, h('button.sort', {
        type: 'button',
        onclick: () => { state.desc = state.order === c.name ? !state.desc : false; state.order = c.name; load(); },
      }, c.name, h('small', {}, ` ${c.type}`), sorted === 'ascending' ? ' ▲' : sorted === 'descending' ? ' ▼' : ''));
    }), editable ? h('th', { scope: 'col' }, h('span.sr-only', {}, 'Actions')) : null);
    const rows = page.rows.map((row) => h('tr', {}, row.map((value, i) => {
      const column = info.columns[i];
      const cell = value === null ? h('span.null', {}, 'NULL')
        : column.references ? h('a', { href: tableHref(ref, column.references.schema, column.references.table, `where.${encodeURIComponent(column.references.column)}=${encodeURIComponent(`eq:${value}`)}`) }, value)
          : value;
      return h('td', {}, cell);
    }), editable ? h('td.row-actions', {},
      h('button.ghost', { type: 'button', onclick: () => editRow(row) }, 'Edit'),
      h('button.ghost.danger-text', { type: 'button', onclick: () => deleteRow(row) }, 'Delete')) : null));
    tableEl.replaceChildren(h('thead', {}, head), h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: info.columns.length + 1 }, 'No rows.'))));
    const last = Math.min(page.offset + page.rows.length, page.total);
    status.textContent = page.total ? `Rows ${page.offset + 1}–${last} of ${page.total}` : 'No rows';
    prev.disabled = page.offset === 0;
    next.disabled = last >= page.total;
  }

  function rowDialog(title, row, submit, onsave) {
    const inputs = info.columns.filter((c) => !c.generated).map((c) => {
      const i = info.columns.indexOf(c);
      return [c, valueInput(c, row ? row[i] : null, !row)];
    });
    dialog(title, h('div.row-form', {}, inputs.map(([c, input]) => field(`${c.name} (${c.type}${c.nullable ? '' : ', required'})`, input.el, c.default && !row ? `default: ${c.default}` : null))), async () => {
      const values = {};
      for (const [c, input] of inputs) {
        const value = input.read();
        if (value !== undefined) values[c.name] = value;
      }
      await onsave(values);
      await load();
      await refreshCounts();
    }, { submit });
  }

  const insertRow = () => rowDialog(`Insert into ${table}`, null, 'Insert row', async (values) => {
    await studio('POST', ref, path, { values });
    toast('Row inserted');
  });
  const editRow = (row) => rowDialog(`Edit row of ${table}`, row, 'Save row', async (values) => {
    // Only what changed is sent: untouched columns keep their exact stored value.
    const changed = Object.fromEntries(Object.entries(values).filter(([name, value]) => value !== row[info.columns.findIndex((c) => c.name === name)]));
    if (Object.keys(changed).length) await studio('PATCH', ref, path, { key: keyOf(row), values: changed });
    toast('Row saved');
  });
  const deleteRow = (row) => dialog('Delete this row?', h('p', {}, 'Key: ', h('code', {}, JSON.stringify(keyOf(row)))), async () => {
    await studio('DELETE', ref, path, { key: keyOf(row) });
    toast('Row deleted');
    await load();
    await refreshCounts();
  }, { submit: 'Delete row', danger: true });

  async function refreshCounts() {
    const counts = await studio('GET', ref, '/tables');
    const mine = counts.tables.find((t) => t.schema === schema && t.name === table);
    const link = document.querySelector('.sidebar a[aria-current="page"] .count');
    if (mine && link) link.textContent = `${mine.row_count}${mine.row_count_capped ? '+' : ''}`;
  }

  body.replaceChildren(...[
    h('div.page-head', {}, h('h2', {}, `${schema}.${table}`),
      h('span', {}, h(`span.badge.${info.rls_enabled ? 'ok' : 'warn'}`, {}, info.rls_enabled ? 'RLS enabled' : 'RLS disabled'),
        info.kind === 'table' ? h('button.primary', { type: 'button', onclick: insertRow }, 'Insert row') : null)),
    editable || info.kind !== 'table' ? null : h('p.hint', {}, 'This table has no primary key: its rows can be read here and changed in the SQL editor.'),
    filterForm, chips,
    h('div.table-wrap', {}, tableEl),
    h('div.pager', {}, prev, status, next)].filter(Boolean));
  await load();
}

// A typed input for a column. read() gives the text to send, null for NULL, undefined to leave it out
// (a new row's empty field takes the column default).
function valueInput(column, value, isNew) {
  const t = column.type;
  let input;
  if (t === 'boolean') {
    input = h('select', {}, ['', 'true', 'false'].map((v) => h('option', { value: v, selected: v === (value === 't' ? 'true' : value === 'f' ? 'false' : '') }, v || (isNew ? '(default)' : 'NULL'))));
  } else if (t === 'json' || t === 'jsonb' || (t === 'text' && (value ?? '').length > 60)) {
    input = h('textarea', { rows: 4, spellcheck: 'false' }, value ?? '');
  } else {
    const numeric = column.type_category === 'N';
    input = h('input', {
      type: numeric ? 'text' : 'text',
      inputmode: numeric ? 'decimal' : null,
      value: value ?? '',
      placeholder: value === null && !isNew ? 'NULL' : t.startsWith('timestamp') ? '2026-01-31 12:00:00+00' : t === 'date' ? '2026-01-31' : t === 'uuid' ? 'uuid' : '',
      spellcheck: 'false',
    });
  }
  const isNull = column.nullable && !isNew ? h('input', { type: 'checkbox', checked: value === null, 'aria-label': `${column.name} is NULL` }) : null;
  const el = h('div.value-input', {}, input, isNull ? h('label.inline', {}, isNull, ' NULL') : null);
  return {
    el,
    read() {
      if (isNull?.checked) return null;
      const text = input.value;
      if (text === '') {
        if (isNew) return undefined;
        if (t === 'boolean') return null;
        return value === null ? null : '';
      }
      return text;
    },
  };
}

function newTable(ref, schemas) {
  const schema = h('select', { name: 'schema' }, schemas.map((s) => h('option', { value: s, selected: s === 'public' }, s)));
  const name = h('input', { name: 'name', required: true, pattern: '[A-Za-z_][A-Za-z0-9_]{0,62}', autocomplete: 'off' });
  const rls = h('input', { type: 'checkbox', checked: true });
  const columns = h('tbody');
  const addColumn = (c = { name: '', type: 'text', nullable: true, primary_key: false, default: '' }) => {
    const tr = h('tr', {},
      h('td', {}, h('input', { 'aria-label': 'Column name', value: c.name, required: true, pattern: '[A-Za-z_][A-Za-z0-9_]{0,62}', dataset: { k: 'name' } })),
      h('td', {}, h('select', { 'aria-label': 'Column type', dataset: { k: 'type' } }, TYPES.map((t) => h('option', { value: t, selected: t === c.type }, t)))),
      h('td', {}, h('select', { 'aria-label': 'Column default', dataset: { k: 'default' } }, DEFAULTS.map((d) => h('option', { value: d, selected: d === c.default }, d || 'none')))),
      h('td', {}, h('input', { type: 'checkbox', 'aria-label': 'Primary key', checked: c.primary_key, dataset: { k: 'primary_key' } })),
      h('td', {}, h('input', { type: 'checkbox', 'aria-label': 'Nullable', checked: c.nullable, dataset: { k: 'nullable' } })),
      h('td', {}, h('button.ghost', { type: 'button', 'aria-label': 'Remove column', onclick: () => tr.remove() }, '✕')));
    columns.append(tr);
  };
  addColumn({ name: 'id', type: 'int8', nullable: false, primary_key: true, default: 'identity' });
  addColumn({ name: 'created_at', type: 'timestamptz', nullable: false, primary_key: false, default: 'now()' });
  dialog('New table', [
    field('Schema', schema), field('Name', name),
    h('div.table-wrap', {}, h('table.grid.columns', {},
      h('thead', {}, h('tr', {}, ['Column', 'Type', 'Default', 'Primary key', 'Nullable', ''].map((c) => h('th', { scope: 'col' }, c)))), columns)),
    h('button', { type: 'button', onclick: () => addColumn() }, 'Add column'),
    h('label.inline', {}, rls, ' Enable row level security (recommended: without policies, only service_role sees rows)'),
  ], async () => {
    const cols = [...columns.rows].map((tr) => {
      const get = (k) => tr.querySelector(`[data-k="${k}"]`);
      return { name: get('name').value, type: get('type').value, default: get('default').value || null, primary_key: get('primary_key').checked, nullable: get('nullable').checked };
    });
    await studio('POST', ref, '/tables', { schema: schema.value, name: name.value, columns: cols, rls_enabled: rls.checked });
    toast(`Table ${name.value} created`);
    location.hash = tableHref(ref, schema.value, name.value);
  }, { submit: 'Create table' });
}
