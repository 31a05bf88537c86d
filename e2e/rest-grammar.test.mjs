// REST read grammar end to end: the real supabase-js against a project of its own (aggregates on) — ordering
// by a to-one embed, spreads over to-many relationships, PostgREST's relation names in 42703, the legacy
// count, casts and JSON paths, in lists with reserved characters, long in lists, whitespace, unicode names,
// aggregates — compared with what PostgREST 13 answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '@supabase/supabase-js';
import { stack } from './stack.mjs';
import { admin, projectSql, waitFor } from './admin.mjs';

const options = { auth: { persistSession: false, autoRefreshToken: false } };
const suffix = Math.random().toString(36).slice(2, 8);
let project;
let client;

const sql = (text) => projectSql(project, text);

before(async () => {
  project = await admin('POST', '/projects', { name: `grammar ${suffix}`, settings: { rest: { aggregates_enabled: true } } });
  client = createClient(stack.API_URL, project.anon_key, options);
  // The first request bootstraps the project's database.
  const warmup = await fetch(`${stack.API_URL}/rest/v1/`, { headers: { apikey: project.anon_key } });
  assert.equal(warmup.status, 200);
  await sql(`
    CREATE TABLE public.authors (id int PRIMARY KEY, name text, data jsonb);
    CREATE TABLE public.books (id int PRIMARY KEY, title text NOT NULL, pages int, author_id int REFERENCES public.authors(id),
      category text, price numeric, data jsonb, tags text[], "größe" int);
    CREATE TABLE public.tags (id int PRIMARY KEY, name text NOT NULL);
    CREATE TABLE public.book_tags (book_id int REFERENCES public.books(id), tag_id int REFERENCES public.tags(id), PRIMARY KEY (book_id, tag_id));
    INSERT INTO public.authors VALUES (1, 'Ursula', '{"k":"x","n":1}'), (2, 'Italo', '{"k":"y","n":2}'), (3, NULL, '{"n":3}'), (4, 'Lonely', NULL);
    INSERT INTO public.books VALUES
      (1, 'Earthsea', 200, 1, 'fantasy', 10.5, '{"k":"x","n":5}', '{fantasy,classic}', 1),
      (2, 'Dispossessed', 380, 1, 'scifi', 20, '{"k":"y","n":3}', '{scifi}', 2),
      (3, 'Cities', 150, 2, 'fantasy', 7.25, '{"k":"x","n":1}', '{}', 3),
      (4, 'Orphan', NULL, NULL, 'scifi', NULL, NULL, NULL, NULL),
      (5, 'Nameless', 100, 3, 'misc', 1, '{}', '{misc}', 4),
      (6, 'a,b', 10, NULL, 'odd', NULL, NULL, NULL, NULL),
      (7, 'a)b', 11, NULL, 'odd', NULL, NULL, NULL, NULL),
      (8, 'say "hi"', 12, NULL, 'odd', NULL, NULL, NULL, NULL);
    INSERT INTO public.tags VALUES (1, 'a'), (2, 'b');
    INSERT INTO public.book_tags VALUES (1, 1), (1, 2), (2, 1);
  `);
  await waitFor(() => client.from('book_tags').select('*').limit(0));
});

after(async () => {
  if (project) await admin('DELETE', `/projects/${project.ref}?confirm=${project.ref}`);
});

test('order by a column of a to-one embed, as order=rel(col)', async () => {
  const { data, error } = await client.from('books').select('id, author:authors(name)')
    .lt('id', 6).order('author(name)', { ascending: false, nullsFirst: false }).order('id');
  assert.equal(error, null);
  assert.deepEqual(data, [
    { id: 1, author: { name: 'Ursula' } }, { id: 2, author: { name: 'Ursula' } }, { id: 3, author: { name: 'Italo' } },
    { id: 4, author: null }, { id: 5, author: { name: null } },
  ]);
});

test('order by a to-many embed is PGRST118, by a missing embed PGRST108', async () => {
  const many = await client.from('authors').select('id, books(title)').order('books(title)');
  assert.equal(many.status, 400);
  assert.deepEqual(many.error, {
    code: 'PGRST118', details: "'authors' and 'books' do not form a many-to-one or one-to-one relationship", hint: null,
    message: "A related order on 'books' is not possible",
  });
  const missing = await client.from('books').select('id').order('authors(name)');
  assert.equal(missing.status, 400);
  assert.equal(missing.error.code, 'PGRST108');
  assert.equal(missing.error.message, "'authors' is not an embedded resource in this request");
});

test('spread over a to-many relationship gives correlated arrays', async () => {
  const { data, error } = await client.from('authors').select('name, ...books(title, pages)')
    .order('id').order('pages', { referencedTable: 'books', ascending: false });
  assert.equal(error, null);
  assert.deepEqual(data, [
    { name: 'Ursula', title: ['Dispossessed', 'Earthsea'], pages: [380, 200] },
    { name: 'Italo', title: ['Cities'], pages: [150] },
    { name: null, title: ['Nameless'], pages: [100] },
    { name: 'Lonely', title: [], pages: [] },
  ]);
  const nested = await client.from('authors').select('name, ...books(title, tags(name))')
    .eq('id', 1).order('id', { referencedTable: 'books' }).order('name', { referencedTable: 'books.tags' });
  assert.deepEqual(nested.data, [{ name: 'Ursula', title: ['Earthsea', 'Dispossessed'], tags: [[{ name: 'a' }, { name: 'b' }], [{ name: 'a' }]] }]);
  const aggregated = await client.from('authors').select('name, ...books(pages.sum())');
  assert.equal(aggregated.status, 400);
  assert.deepEqual(aggregated.error, {
    code: 'PGRST127', details: 'Aggregates are not implemented for one-to-many or many-to-many spreads.', hint: null, message: 'Feature not implemented',
  });
});

test('an unknown column names the relation as PostgREST aliases it, with the hint of Postgres', async () => {
  const embedded = await client.from('authors').select('id, books(titel)');
  assert.equal(embedded.status, 400);
  assert.deepEqual(embedded.error, {
    code: '42703', details: null, hint: 'Perhaps you meant to reference the column "books_1.title".', message: 'column books_1.titel does not exist',
  });
  const root = await client.from('books').select('id').eq('prize', 1);
  assert.deepEqual(root.error, {
    code: '42703', details: null, hint: 'Perhaps you meant to reference the column "books.price".', message: 'column books.prize does not exist',
  });
});

test('books(count) and count() count rows', async () => {
  const legacy = await client.from('authors').select('name, books(count)').order('id');
  assert.equal(legacy.error, null);
  assert.deepEqual(legacy.data, [
    { name: 'Ursula', books: [{ count: 2 }] }, { name: 'Italo', books: [{ count: 1 }] },
    { name: null, books: [{ count: 1 }] }, { name: 'Lonely', books: [{ count: 0 }] },
  ]);
  const grouped = await client.from('books').select('category, count(), total:price.sum()').neq('category', 'odd').order('category');
  assert.deepEqual(grouped.data, [
    { category: 'fantasy', count: 2, total: 17.75 }, { category: 'misc', count: 1, total: 1 }, { category: 'scifi', count: 2, total: 20 },
  ]);
  const hoisted = await client.from('books').select('category, ...authors(id.max(), id.min())').neq('category', 'odd').order('category');
  assert.deepEqual(hoisted.data, [
    { category: 'fantasy', max: 2, min: 1 }, { category: 'misc', max: 3, min: 3 }, { category: 'scifi', max: 1, min: 1 },
  ]);
});

test('casts, JSON paths on json and array columns, filters and order inside embeds', async () => {
  const casts = await client.from('books').select('id::text, data->>n::int, price::float8, first:tags->>0').in('id', [1, 2]).order('id');
  assert.equal(casts.error, null);
  assert.deepEqual(casts.data, [{ id: '1', n: 5, price: 10.5, first: 'fantasy' }, { id: '2', n: 3, price: 20, first: 'scifi' }]);
  const embedded = await client.from('authors').select('id, books(id)').in('id', [1, 2]).order('id')
    .eq('books.data->>k', 'x').order('data->n', { referencedTable: 'books' });
  assert.deepEqual(embedded.data, [{ id: 1, books: [{ id: 1 }] }, { id: 2, books: [{ id: 3 }] }]);
  const logic = await client.from('authors').select('id, books(id)').eq('id', 1)
    .or('pages.gt.300,category.eq.fantasy', { referencedTable: 'books' }).order('id', { referencedTable: 'books' })
    .limit(1, { referencedTable: 'books' });
  assert.deepEqual(logic.data, [{ id: 1, books: [{ id: 1 }] }]);
  const negated = await client.from('books').select('id').not('id', 'in', '(1,2,3)').not('category', 'eq', 'odd').order('id');
  assert.deepEqual(negated.data, [{ id: 4 }, { id: 5 }]);
});

test('in and or values with commas, parentheses and quotes', async () => {
  const listed = await client.from('books').select('id').in('title', ['a,b', 'a)b', 'say "hi"', 'Cities']).order('id');
  assert.equal(listed.error, null);
  assert.deepEqual(listed.data, [{ id: 3 }, { id: 6 }, { id: 7 }, { id: 8 }]);
  const ored = await client.from('books').select('id').or('title.eq."a,b",title.eq."a)b",id.eq.1').order('id');
  assert.deepEqual(ored.data, [{ id: 1 }, { id: 6 }, { id: 7 }]);
});

test('an in filter of thousands of ids', async () => {
  const ids = Array.from({ length: 3000 }, (_, i) => i + 1);
  const { data, error } = await client.from('books').select('id').in('id', ids).lt('id', 3).order('id');
  assert.equal(error, null);
  assert.deepEqual(data, [{ id: 1 }, { id: 2 }]);
});

test('select text with newlines and spaces, quoted aliases, unicode column names', async () => {
  const { data, error } = await client.from('books').select(`
    id,
    "my title": title,
    größe
  `).gt('größe', 2).order('größe', { ascending: false });
  assert.equal(error, null);
  assert.deepEqual(data, [{ id: 5, 'my title': 'Nameless', größe: 4 }, { id: 3, 'my title': 'Cities', größe: 3 }]);
});
