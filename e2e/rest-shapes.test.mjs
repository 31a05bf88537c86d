// REST schema shapes end to end: the real supabase-js against a project of its own with a second exposed
// schema, self-referencing and doubled foreign keys, composite and one-to-one keys, junctions, views,
// partitions, odd names, computed fields and computed relationships — compared with what PostgREST answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '@supabase/supabase-js';
import { stack } from './stack.mjs';
import { admin, projectSql, waitFor } from './admin.mjs';

const options = { auth: { persistSession: false, autoRefreshToken: false } };
const suffix = Math.random().toString(36).slice(2, 8);
const api = `api_${suffix}`;
let project;
let client;
let apiClient;

const sql = (text) => projectSql(project, text);

before(async () => {
  project = await admin('POST', '/projects', { name: `shapes ${suffix}`, settings: { rest: { schemas: ['public', api] } } });
  client = createClient(stack.API_URL, project.service_role_key, options);
  apiClient = createClient(stack.API_URL, project.service_role_key, { ...options, db: { schema: api } });
  // The first request bootstraps the project's database.
  const warmup = await fetch(`${stack.API_URL}/rest/v1/`, { headers: { apikey: project.anon_key } });
  assert.equal(warmup.status, 200);
  await sql(`
    CREATE SCHEMA ${api};
    GRANT USAGE ON SCHEMA ${api} TO anon, authenticated, service_role;
    CREATE SCHEMA hidden;

    CREATE TABLE public.employees (id int PRIMARY KEY, name text NOT NULL, manager_id int REFERENCES public.employees(id));
    INSERT INTO public.employees VALUES (1, 'Boss', NULL), (2, 'Mid', 1), (3, 'Low', 2), (4, 'Low2', 2);

    CREATE TABLE public.users (id int PRIMARY KEY, name text NOT NULL);
    CREATE TABLE public.messages (id int PRIMARY KEY, body text,
      sender_id int CONSTRAINT messages_sender_fk REFERENCES public.users(id),
      receiver_id int CONSTRAINT messages_receiver_fk REFERENCES public.users(id));
    INSERT INTO public.users VALUES (1, 'ann'), (2, 'bob');
    INSERT INTO public.messages VALUES (1, 'hi', 1, 2), (2, 'yo', 2, 1);

    CREATE TABLE public.regions (country text, code text, name text, PRIMARY KEY (country, code));
    CREATE TABLE public.stores (id int PRIMARY KEY, country text, region_code text, FOREIGN KEY (country, region_code) REFERENCES public.regions (country, code));
    INSERT INTO public.regions VALUES ('US', 'CA', 'California'), ('US', 'NY', 'New York'), ('CA', 'CA', 'Canada CA');
    INSERT INTO public.stores VALUES (1, 'US', 'CA'), (2, 'US', 'NY'), (3, 'CA', 'CA');

    CREATE TABLE public.people (id int PRIMARY KEY, first_name text, last_name text);
    CREATE TABLE public.passports (id int PRIMARY KEY, person_id int UNIQUE REFERENCES public.people(id), number text);
    INSERT INTO public.people VALUES (1, 'Ada', 'Lovelace'), (2, 'Alan', 'Turing');
    INSERT INTO public.passports VALUES (10, 1, 'P-ADA');

    CREATE TABLE public.authors (id int PRIMARY KEY, name text NOT NULL);
    CREATE TABLE public.books (id int PRIMARY KEY, title text NOT NULL, author_id int REFERENCES public.authors(id));
    CREATE TABLE public.tags (id int PRIMARY KEY, label text NOT NULL);
    CREATE TABLE public.book_tags (book_id int REFERENCES public.books(id), tag_id int REFERENCES public.tags(id), weight int, PRIMARY KEY (book_id, tag_id));
    CREATE TABLE public.chapters (id int PRIMARY KEY, book_id int REFERENCES public.books(id), title text);
    INSERT INTO public.authors VALUES (1, 'Ursula'), (2, 'Italo'), (3, 'Nobody');
    INSERT INTO public.books VALUES (1, 'Earthsea', 1), (2, 'Dispossessed', 1), (3, 'Cities', 2);
    INSERT INTO public.tags VALUES (1, 'fantasy'), (2, 'scifi'), (3, 'classic');
    INSERT INTO public.book_tags VALUES (1, 1, 5), (2, 2, 7), (3, 3, 1), (1, 3, 2);
    INSERT INTO public.chapters VALUES (1, 1, 'One'), (2, 1, 'Two'), (3, 3, 'Only');

    CREATE FUNCTION public.full_name(public.people) RETURNS text LANGUAGE sql STABLE AS $$ SELECT $1.first_name || ' ' || $1.last_name $$;
    CREATE TABLE public.favorites (person_id int REFERENCES public.people(id), book_id int REFERENCES public.books(id), PRIMARY KEY (person_id, book_id));
    INSERT INTO public.favorites VALUES (1, 1), (1, 3), (2, 2);
    CREATE FUNCTION public.favorite_books(public.people) RETURNS SETOF public.books LANGUAGE sql STABLE AS
      $$ SELECT b.* FROM public.books b JOIN public.favorites f ON f.book_id = b.id WHERE f.person_id = $1.id ORDER BY b.id $$;
    CREATE FUNCTION public.first_favorite(public.people) RETURNS SETOF public.books ROWS 1 LANGUAGE sql STABLE AS
      $$ SELECT b.* FROM public.books b JOIN public.favorites f ON f.book_id = b.id WHERE f.person_id = $1.id ORDER BY b.id LIMIT 1 $$;

    CREATE VIEW public.books_view AS SELECT id, title, author_id FROM public.books;
    CREATE MATERIALIZED VIEW public.books_mat AS SELECT id, title, author_id FROM public.books;

    CREATE TABLE public.readings (id int, user_id int REFERENCES public.users(id), day date, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
    CREATE TABLE public.readings_2024 PARTITION OF public.readings FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    INSERT INTO public.readings VALUES (1, 1, '2024-03-01'), (2, 2, '2024-04-01'), (3, 1, '2024-05-01');

    CREATE TABLE public."Team Members" (id int PRIMARY KEY, "Display Name" text, "userId" int REFERENCES public.users(id));
    INSERT INTO public."Team Members" VALUES (1, 'Ann A.', 1);

    CREATE TABLE ${api}.books (id int PRIMARY KEY, title text NOT NULL, author_id int REFERENCES public.authors(id));
    CREATE TABLE ${api}.items (id int PRIMARY KEY, name text NOT NULL);
    CREATE TABLE ${api}.item_notes (id int PRIMARY KEY, item_id int REFERENCES ${api}.items(id), note text);
    INSERT INTO ${api}.books VALUES (100, 'Api Book', 1);
    INSERT INTO ${api}.items VALUES (1, 'widget');
    INSERT INTO ${api}.item_notes VALUES (1, 1, 'first'), (2, 1, 'second');
    CREATE FUNCTION ${api}.hello(name text) RETURNS text LANGUAGE sql AS $$ SELECT 'hello ' || name $$;
    CREATE TABLE hidden.secrets (id int PRIMARY KEY);
    GRANT ALL ON ALL TABLES IN SCHEMA ${api} TO anon, authenticated, service_role;
    GRANT ALL ON ALL TABLES IN SCHEMA public TO anon, authenticated, service_role;
    CREATE TABLE public.zz_ready (id int);
  `);
  await waitFor(() => client.from('zz_ready').select().limit(0));
  await waitFor(() => apiClient.from('items').select().limit(0));
});

after(async () => {
  if (project) await admin('DELETE', `/projects/${project.ref}?confirm=${project.ref}`);
});

test('a second exposed schema: db.schema, .schema(), rpc, tables of the same name, PGRST106', async () => {
  const own = await apiClient.from('books').select('id, title');
  assert.equal(own.error, null);
  assert.deepEqual(own.data, [{ id: 100, title: 'Api Book' }]);
  const publicBooks = await client.from('books').select('id').order('id');
  assert.deepEqual(publicBooks.data, [{ id: 1 }, { id: 2 }, { id: 3 }]);
  const switched = await client.schema(api).from('items').select('name, item_notes(note)').order('id', { referencedTable: 'item_notes' });
  assert.deepEqual(switched.data, [{ name: 'widget', item_notes: [{ note: 'first' }, { note: 'second' }] }]);
  const rpc = await client.schema(api).rpc('hello', { name: 'api' });
  assert.equal(rpc.data, 'hello api');

  // PostgREST embeds only within the request's schema: api.books → public.authors is not a relationship.
  const crossSchema = await apiClient.from('books').select('title, authors(name)');
  assert.equal(crossSchema.status, 400);
  assert.equal(crossSchema.error.code, 'PGRST200');
  assert.equal(crossSchema.error.details, `Searched for a foreign key relationship between 'books' and 'authors' in the schema '${api}', but no matches were found.`);

  const hidden = await client.schema('hidden').from('secrets').select();
  assert.equal(hidden.status, 406);
  assert.deepEqual(hidden.error, {
    code: 'PGRST106', details: null, hint: `Only the following schemas are exposed: public, ${api}`, message: 'Invalid schema: hidden',
  });
});

test('a self-referencing key: the column embeds the parent, the table the children, table!column the children', async () => {
  const parent = await client.from('employees').select('name, manager:manager_id(name)').eq('id', 3).single();
  assert.deepEqual(parent.data, { name: 'Low', manager: { name: 'Mid' } });
  const children = await client.from('employees').select('name, employees(name)').eq('id', 2).order('id', { referencedTable: 'employees' }).single();
  assert.deepEqual(children.data, { name: 'Mid', employees: [{ name: 'Low' }, { name: 'Low2' }] });
  const hinted = await client.from('employees').select('name, reports:employees!manager_id(name)').eq('id', 1).single();
  assert.deepEqual(hinted.data, { name: 'Boss', reports: [{ name: 'Mid' }] });
});

test('two keys to one table: PGRST201 lists both; the constraint or the column picks one', async () => {
  const ambiguous = await client.from('messages').select('body, users(name)');
  assert.equal(ambiguous.status, 300);
  assert.deepEqual(ambiguous.error, {
    code: 'PGRST201',
    details: [
      { cardinality: 'many-to-one', embedding: 'messages with users', relationship: 'messages_receiver_fk using messages(receiver_id) and users(id)' },
      { cardinality: 'many-to-one', embedding: 'messages with users', relationship: 'messages_sender_fk using messages(sender_id) and users(id)' },
    ],
    hint: "Try changing 'users' to one of the following: 'users!messages_receiver_fk', 'users!messages_sender_fk'. Find the desired relationship in the 'details' key.",
    message: "Could not embed because more than one relationship was found for 'messages' and 'users'",
  });
  const picked = await client.from('messages')
    .select('body, from:users!messages_sender_fk(name), to:users!receiver_id(name)').order('id');
  assert.deepEqual(picked.data, [
    { body: 'hi', from: { name: 'ann' }, to: { name: 'bob' } },
    { body: 'yo', from: { name: 'bob' }, to: { name: 'ann' } },
  ]);
  const sent = await client.from('users').select('name, messages!sender_id(body)').eq('id', 1).single();
  assert.deepEqual(sent.data, { name: 'ann', messages: [{ body: 'hi' }] });
});

test('composite keys, one-to-one as an object, many-to-many through a junction, three levels deep', async () => {
  const composite = await client.from('stores').select('id, regions(name)').order('id');
  assert.deepEqual(composite.data, [
    { id: 1, regions: { name: 'California' } }, { id: 2, regions: { name: 'New York' } }, { id: 3, regions: { name: 'Canada CA' } },
  ]);
  const regionStores = await client.from('regions').select('name, stores(id)').eq('country', 'US').eq('code', 'CA').single();
  assert.deepEqual(regionStores.data, { name: 'California', stores: [{ id: 1 }] });

  const oneToOne = await client.from('people').select('first_name, passports(number)').order('id');
  assert.deepEqual(oneToOne.data, [{ first_name: 'Ada', passports: { number: 'P-ADA' } }, { first_name: 'Alan', passports: null }]);
  const back = await client.from('passports').select('number, people(first_name)').single();
  assert.deepEqual(back.data, { number: 'P-ADA', people: { first_name: 'Ada' } });

  const m2m = await client.from('books').select('title, tags(label)').order('id').order('id', { referencedTable: 'tags' });
  assert.deepEqual(m2m.data, [
    { title: 'Earthsea', tags: [{ label: 'fantasy' }, { label: 'classic' }] },
    { title: 'Dispossessed', tags: [{ label: 'scifi' }] },
    { title: 'Cities', tags: [{ label: 'classic' }] },
  ]);
  const junction = await client.from('books').select('title, book_tags(weight, tags(label))').eq('id', 1).order('weight', { referencedTable: 'book_tags' }).single();
  assert.deepEqual(junction.data, { title: 'Earthsea', book_tags: [{ weight: 2, tags: { label: 'classic' } }, { weight: 5, tags: { label: 'fantasy' } }] });

  const deep = await client.from('authors').select('name, books(title, chapters(title, books(title)))')
    .eq('id', 1).order('id', { referencedTable: 'books' }).order('id', { referencedTable: 'books.chapters' }).single();
  assert.deepEqual(deep.data, {
    name: 'Ursula',
    books: [
      { title: 'Earthsea', chapters: [{ title: 'One', books: { title: 'Earthsea' } }, { title: 'Two', books: { title: 'Earthsea' } }] },
      { title: 'Dispossessed', chapters: [] },
    ],
  });
});

test('embedded filters, order, limit, range, count(), !inner, empty and null-filtered embeds', async () => {
  const inner = await client.from('books').select('title, author:authors!inner(name)').eq('author.name', 'Italo');
  assert.deepEqual(inner.data, [{ title: 'Cities', author: { name: 'Italo' } }]);

  const ordered = await client.from('authors').select('name, books(title)').order('id')
    .order('title', { referencedTable: 'books', ascending: false }).limit(1, { referencedTable: 'books' });
  assert.deepEqual(ordered.data, [{ name: 'Ursula', books: [{ title: 'Earthsea' }] }, { name: 'Italo', books: [{ title: 'Cities' }] }, { name: 'Nobody', books: [] }]);
  const ranged = await client.from('authors').select('name, books(title)').eq('id', 1).order('id', { referencedTable: 'books' }).range(1, 1, { referencedTable: 'books' }).single();
  assert.deepEqual(ranged.data, { name: 'Ursula', books: [{ title: 'Dispossessed' }] });

  // Postgres reads PostgREST's "books_1"."count" as count("books_1"): the legacy embedded count (AggregateFunctionsSpec).
  const counted = await client.from('authors').select('name, books(count)').order('id');
  assert.deepEqual(counted.data, [{ name: 'Ursula', books: [{ count: 2 }] }, { name: 'Italo', books: [{ count: 1 }] }, { name: 'Nobody', books: [{ count: 0 }] }]);

  // rel() selects nothing: it only filters (here with !inner) and is not in the output.
  const onlyFilter = await client.from('authors').select('name, books!inner()').eq('books.title', 'Cities');
  assert.deepEqual(onlyFilter.data, [{ name: 'Italo' }]);
  const notInner = await client.from('authors').select('name, books()').eq('books.title', 'Cities').order('id');
  assert.deepEqual(notInner.data, [{ name: 'Ursula' }, { name: 'Italo' }, { name: 'Nobody' }]);

  // rel=not.is.null / rel=is.null test the embed after its own filters (PostgREST's null embed filter).
  const having = await client.from('authors').select('name, books(title)', { count: 'exact' }).not('books', 'is', null).order('id').order('id', { referencedTable: 'books' });
  assert.equal(having.count, 2);
  assert.deepEqual(having.data.map((a) => a.name), ['Ursula', 'Italo']);
  const without = await client.from('authors').select('name, books(title)').is('books', null);
  assert.deepEqual(without.data, [{ name: 'Nobody', books: [] }]);
  const either = await client.from('authors').select('name, books(title)').eq('books.title', 'Cities').or('books.not.is.null,name.eq.Nobody').order('id');
  assert.deepEqual(either.data, [{ name: 'Italo', books: [{ title: 'Cities' }] }, { name: 'Nobody', books: [] }]);

  const twice = await client.from('messages').select('sender:users!sender_id(name), receiver:users!receiver_id(name)').eq('id', 2).single();
  assert.deepEqual(twice.data, { sender: { name: 'bob' }, receiver: { name: 'ann' } });

  const spread = await client.from('books').select('title, ...authors(author_name:name)').eq('id', 3).single();
  assert.deepEqual(spread.data, { title: 'Cities', author_name: 'Italo' });
});

test('writes return embedded resources in select()', async () => {
  const inserted = await client.from('books').insert({ id: 50, title: 'New', author_id: 2 }).select('title, authors(name)').single();
  assert.equal(inserted.status, 201);
  assert.deepEqual(inserted.data, { title: 'New', authors: { name: 'Italo' } });
  const updated = await client.from('books').update({ author_id: 1 }).eq('id', 50).select('title, authors(name), tags(label)');
  assert.deepEqual(updated.data, [{ title: 'New', authors: { name: 'Ursula' }, tags: [] }]);
  const upserted = await client.from('books').upsert({ id: 50, title: 'Newer', author_id: 2 }).select('title, ...authors(name)');
  assert.deepEqual(upserted.data, [{ title: 'Newer', name: 'Italo' }]);
  const deleted = await client.from('books').delete().eq('id', 50).select('id, authors(name)');
  assert.deepEqual(deleted.data, [{ id: 50, authors: { name: 'Italo' } }]);
});

test('views, materialized views, partitioned tables and names with spaces and capitals embed', async () => {
  const view = await client.from('books_view').select('title, authors(name)').eq('id', 3).single();
  assert.deepEqual(view.data, { title: 'Cities', authors: { name: 'Italo' } });
  const toView = await client.from('authors').select('name, books_view(title)').eq('id', 2).single();
  assert.deepEqual(toView.data, { name: 'Italo', books_view: [{ title: 'Cities' }] });
  const mat = await client.from('books_mat').select('title, authors(name)').eq('id', 1).single();
  assert.deepEqual(mat.data, { title: 'Earthsea', authors: { name: 'Ursula' } });

  const partitioned = await client.from('users').select('name, readings(id)').eq('id', 1).order('id', { referencedTable: 'readings' }).single();
  assert.deepEqual(partitioned.data, { name: 'ann', readings: [{ id: 1 }, { id: 3 }] });
  const partition = await client.from('readings_2024').select();
  assert.equal(partition.status, 404, 'a partition is not a relation of its own in the schema cache');
  assert.equal(partition.error.code, 'PGRST205');

  const odd = await client.from('Team Members').select('id, "Display Name", users(name)').eq('Display Name', 'Ann A.');
  assert.equal(odd.error, null);
  assert.deepEqual(odd.data, [{ id: 1, 'Display Name': 'Ann A.', users: { name: 'ann' } }]);
  const reverse = await client.from('users').select('name, "Team Members"(id)').eq('id', 1).single();
  assert.deepEqual(reverse.data, { name: 'ann', 'Team Members': [{ id: 1 }] });
});

test('computed fields and computed relationships', async () => {
  const fields = await client.from('people').select('id, full_name').order('full_name', { ascending: false });
  assert.deepEqual(fields.data, [{ id: 2, full_name: 'Alan Turing' }, { id: 1, full_name: 'Ada Lovelace' }]);
  const filtered = await client.from('people').select('name:full_name').like('full_name', 'Ada%');
  assert.deepEqual(filtered.data, [{ name: 'Ada Lovelace' }]);
  const star = await client.from('people').select().eq('id', 1).single();
  assert.deepEqual(star.data, { id: 1, first_name: 'Ada', last_name: 'Lovelace' }, 'computed fields are not part of *');

  const many = await client.from('people').select('id, favorite_books(title)').order('id');
  assert.deepEqual(many.data, [{ id: 1, favorite_books: [{ title: 'Earthsea' }, { title: 'Cities' }] }, { id: 2, favorite_books: [{ title: 'Dispossessed' }] }]);
  const one = await client.from('people').select('id, first_favorite(title)').order('id');
  assert.deepEqual(one.data, [{ id: 1, first_favorite: { title: 'Earthsea' } }, { id: 2, first_favorite: { title: 'Dispossessed' } }]);
  const inner = await client.from('people').select('id, favorite_books!inner(title)').eq('favorite_books.title', 'Cities');
  assert.deepEqual(inner.data, [{ id: 1, favorite_books: [{ title: 'Cities' }] }]);
  const written = await client.from('people').insert({ id: 9, first_name: 'Grace', last_name: 'Hopper' }).select('full_name, favorite_books(title)').single();
  assert.deepEqual(written.data, { full_name: 'Grace Hopper', favorite_books: [] });
});

test('unknown embeds and tables: PGRST200 and PGRST205 with PostgREST\'s suggestions', async () => {
  const embed = await client.from('books').select('title, authorz(name)');
  assert.equal(embed.status, 400);
  assert.deepEqual(embed.error, {
    code: 'PGRST200',
    details: "Searched for a foreign key relationship between 'books' and 'authorz' in the schema 'public', but no matches were found.",
    hint: "Perhaps you meant 'authors' instead of 'authorz'.",
    message: "Could not find a relationship between 'books' and 'authorz' in the schema cache",
  });
  const far = await client.from('books').select('title, zebras(name)');
  assert.equal(far.error.hint, null);
  const hinted = await client.from('books').select('title, authors!nope(name)');
  assert.equal(hinted.error.details, "Searched for a foreign key relationship between 'books' and 'authors' using the hint 'nope' in the schema 'public', but no matches were found.");

  const table = await client.from('bookz').select();
  assert.equal(table.status, 404);
  assert.deepEqual(table.error, {
    code: 'PGRST205', details: null, hint: "Perhaps you meant the table 'public.books'", message: "Could not find the table 'public.bookz' in the schema cache",
  });
  const none = await client.from('xyzzy').select();
  assert.equal(none.error.hint, null);
});
