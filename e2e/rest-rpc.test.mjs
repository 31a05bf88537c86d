// RPC, errors, representations and headers end to end: supabase-js (postgrest-js) and plain fetch against the
// gateway, on the shapes real apps use (defaults, variadic, OUT parameters, custom errors, CSV, Prefer).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '@supabase/supabase-js';
import { stack } from './stack.mjs';
import { sql } from './db.mjs';

const options = { auth: { persistSession: false, autoRefreshToken: false } };
const s = Math.random().toString(36).slice(2, 8);
const items = `rpc_items_${s}`;
const secret = `rpc_secret_${s}`;
const guarded = `rpc_guarded_${s}`;
const f = (name) => `rpc_${name}_${s}`;
const anon = createClient(stack.API_URL, stack.ANON_KEY, options);
const admin = createClient(stack.API_URL, stack.SERVICE_ROLE_KEY, options);
const rest = (path, init = {}) => fetch(`${stack.API_URL}/rest/v1/${path}`, {
  ...init, headers: { apikey: stack.ANON_KEY, ...(init.headers ?? {}) },
});

async function waitForFunction(name) {
  let inARow = 0;
  for (let i = 0; i < 200 && inARow < 4; i++) {
    const { error } = await anon.rpc(name, {}, { head: true });
    inARow = error?.code === 'PGRST202' ? 0 : inARow + 1;
    if (inARow === 0) await new Promise((r) => setTimeout(r, 100));
  }
  if (inARow < 4) throw new Error(`${name} never reached every worker's schema cache`);
}

before(async () => {
  await sql(`
    CREATE TABLE public.${items} (id int PRIMARY KEY, name text, price numeric, tags text[], meta jsonb, note text, ok boolean);
    INSERT INTO public.${items} VALUES
      (1, 'a,b', 1.5, '{x,y}', '{"k":1}', 'he said "hi"', true),
      (2, E'line\\nbreak', 2, '{}', NULL, NULL, false),
      (3, 'plain', 3, NULL, '[1,2]', '', NULL),
      (4, 'four', 4, '{z}', '"s"', 'x', true);
    CREATE TABLE public.${secret} (id int);
    REVOKE ALL ON public.${secret} FROM anon, authenticated;
    CREATE TABLE public.${guarded} (id int PRIMARY KEY);
    ALTER TABLE public.${guarded} ENABLE ROW LEVEL SECURITY;
    CREATE POLICY read_all ON public.${guarded} FOR SELECT USING (true);
    CREATE FUNCTION public.${f('defaults')}(a int, b int DEFAULT 10, c text DEFAULT 'c') RETURNS text LANGUAGE sql AS $$ SELECT a || '-' || b || '-' || c $$;
    CREATE FUNCTION public.${f('void')}() RETURNS void LANGUAGE sql AS $$ SELECT $$;
    CREATE FUNCTION public.${f('json')}() RETURNS json LANGUAGE sql STABLE AS $$ SELECT '{"a":[1,2],"b":null}'::json $$;
    CREATE FUNCTION public.${f('row')}(i int) RETURNS public.${items} LANGUAGE sql STABLE AS $$ SELECT * FROM public.${items} WHERE id = i $$;
    CREATE FUNCTION public.${f('setof')}() RETURNS SETOF public.${items} LANGUAGE sql STABLE AS $$ SELECT * FROM public.${items} $$;
    CREATE FUNCTION public.${f('table')}(min_id int) RETURNS TABLE(id int, label text) LANGUAGE sql STABLE AS $$ SELECT id, name FROM public.${items} WHERE id >= min_id $$;
    CREATE FUNCTION public.${f('ints')}() RETURNS SETOF int LANGUAGE sql STABLE AS $$ SELECT generate_series(1, 3) $$;
    CREATE FUNCTION public.${f('arrays')}(ids int[], names text[]) RETURNS text LANGUAGE sql AS $$ SELECT array_length(ids, 1) || ':' || array_to_string(names, '|') $$;
    CREATE FUNCTION public.${f('body')}(jsonb) RETURNS jsonb LANGUAGE sql AS $$ SELECT $1 $$;
    CREATE FUNCTION public.${f('utext')}(text) RETURNS text LANGUAGE sql AS $$ SELECT 'text:' || $1 $$;
    CREATE FUNCTION public.${f('utext')}(n int) RETURNS text LANGUAGE sql AS $$ SELECT 'int:' || n $$;
    CREATE FUNCTION public.${f('ubytes')}(bytea) RETURNS int LANGUAGE sql AS $$ SELECT length($1) $$;
    CREATE FUNCTION public.${f('uint')}(int) RETURNS int LANGUAGE sql AS $$ SELECT $1 $$;
    CREATE FUNCTION public.${f('over')}(a int) RETURNS text LANGUAGE sql AS $$ SELECT 'int ' || a $$;
    CREATE FUNCTION public.${f('over')}(b text) RETURNS text LANGUAGE sql AS $$ SELECT 'text ' || b $$;
    CREATE FUNCTION public.${f('variadic')}(VARIADIC v int[]) RETURNS int LANGUAGE sql AS $$ SELECT sum(x)::int FROM unnest(v) x $$;
    CREATE FUNCTION public.${f('out')}(a int, OUT doubled int, OUT tripled int) LANGUAGE sql AS $$ SELECT a * 2, a * 3 $$;
    CREATE FUNCTION public.${f('volatile')}() RETURNS int LANGUAGE plpgsql AS $$ BEGIN INSERT INTO public.${items} (id) VALUES (1000 + (random() * 100000)::int); RETURN 1; END $$;
    CREATE FUNCTION public.${f('secdef')}() RETURNS int LANGUAGE sql SECURITY DEFINER AS $$ SELECT count(*)::int FROM public.${secret} $$;
    CREATE FUNCTION public.${f('raise')}() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'plain failure'; END $$;
    CREATE FUNCTION public.${f('raise_detail')}() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'bad value' USING ERRCODE = '22023', DETAIL = 'd', HINT = 'h'; END $$;
    CREATE FUNCTION public.${f('teapot')}() RETURNS int LANGUAGE plpgsql AS $$ BEGIN
      RAISE SQLSTATE 'PGRST' USING message = '{"code":"123","message":"m","details":"d","hint":"h"}', detail = '{"status":418,"headers":{"X-Powered-By":"Nerd"}}'; END $$;
    CREATE FUNCTION public.${f('bad_pgrst')}() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RAISE SQLSTATE 'PGRST' USING message = 'not json'; END $$;
    CREATE FUNCTION public.${f('pay')}() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RAISE SQLSTATE 'PT402' USING message = 'pay first'; END $$;
    CREATE FUNCTION public.${f('serialization')}() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RAISE SQLSTATE '40001' USING message = 'retry'; END $$;
  `);
  await waitForFunction(f('ints'));
});

test('defaults may be omitted and named arguments come in any order', async () => {
  assert.deepEqual((await anon.rpc(f('defaults'), { a: 1 })).data, '1-10-c');
  assert.deepEqual((await anon.rpc(f('defaults'), { c: 'z', a: 2 })).data, '2-10-z');
  assert.deepEqual((await anon.rpc(f('defaults'), { b: 5, a: 3 }, { get: true })).data, '3-5-c');
});

test('void, json, composite and OUT results', async () => {
  const none = await anon.rpc(f('void'));
  assert.equal(none.error, null);
  assert.equal(none.status, 204);
  assert.equal(none.data, null);
  assert.deepEqual((await anon.rpc(f('json'), {}, { get: true })).data, { a: [1, 2], b: null });
  assert.deepEqual((await anon.rpc(f('row'), { i: 3 })).data,
    { id: 3, name: 'plain', price: 3, tags: null, meta: [1, 2], note: '', ok: null });
  assert.deepEqual((await anon.rpc(f('out'), { a: 2 })).data, { doubled: 4, tripled: 6 });
});

test('SETOF a table: select, filters, order, limit, count, single and maybeSingle', async () => {
  const page = await anon.rpc(f('setof'), {}, { count: 'exact' }).select('id,name').gt('id', 1).order('name', { ascending: false }).limit(2);
  assert.equal(page.error, null);
  assert.deepEqual(page.data, [{ id: 3, name: 'plain' }, { id: 2, name: 'line\nbreak' }]);
  assert.equal(page.count, 3);
  assert.equal(page.status, 206);
  const one = await anon.rpc(f('setof')).select('id').eq('id', 4).single();
  assert.deepEqual(one.data, { id: 4 });
  const many = await anon.rpc(f('setof')).select('id').single();
  assert.equal(many.status, 406);
  assert.equal(many.error.code, 'PGRST116');
  assert.equal(many.error.details, 'The result contains 4 rows');
  const none = await anon.rpc(f('setof')).select('id').eq('id', 99).maybeSingle();
  assert.equal(none.error, null);
  assert.equal(none.data, null);
  const head = await anon.rpc(f('setof'), {}, { head: true, count: 'exact' });
  assert.equal(head.error, null);
  assert.equal(head.data, null);
  assert.equal(head.count, 4);
});

test('RETURNS TABLE, SETOF scalar, arrays, whole-body json, overloads and VARIADIC', async () => {
  assert.deepEqual((await anon.rpc(f('table'), { min_id: 3 }).order('id', { ascending: false })).data,
    [{ id: 4, label: 'four' }, { id: 3, label: 'plain' }]);
  assert.deepEqual((await anon.rpc(f('ints'))).data, [1, 2, 3]);
  assert.deepEqual((await anon.rpc(f('arrays'), { ids: [1, 2, 3], names: ['a', 'b'] })).data, '3:a|b');
  assert.deepEqual((await anon.rpc(f('body'), { any: 1, thing: [2] })).data, { any: 1, thing: [2] });
  assert.deepEqual((await anon.rpc(f('over'), { a: 1 })).data, 'int 1');
  assert.deepEqual((await anon.rpc(f('over'), { b: 'x' })).data, 'text x');
  const variadic = await anon.rpc(f('variadic'), { v: [1, 2, 3] });
  assert.equal(variadic.error, null);
  assert.equal(variadic.data, 6);
  const viaGet = await rest(`rpc/${f('variadic')}?v=4&v=5`);
  assert.equal(await viaGet.json(), 9);
});

test('a single unnamed text or bytea parameter takes the body; uncallable unnamed functions are PGRST202', async () => {
  // rpc(fn, { '': value }): the key "" names the unnamed parameter and, as in PostgREST, the body reaches it whole.
  assert.deepEqual(await anon.rpc(f('utext'), { '': 'v' }).then((r) => [r.error, r.data]), [null, 'text:{"":"v"}']);
  assert.deepEqual((await anon.rpc(f('utext'), { n: 2 })).data, 'int:2');
  const text = await rest(`rpc/${f('utext')}`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'hello' });
  assert.deepEqual([text.status, await text.json()], [200, 'text:hello']);
  const bytes = await rest(`rpc/${f('ubytes')}`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array([0, 1, 2, 255]) });
  assert.deepEqual([bytes.status, await bytes.json()], [200, 4]);
  const uncallable = await anon.rpc(f('uint'), { '': 1 });
  assert.equal(uncallable.error?.code, 'PGRST202');
  const noText = await rest(`rpc/${f('uint')}`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '1' });
  const noTextBody = await noText.json();
  assert.deepEqual([noText.status, noTextBody.code, noTextBody.message], [404, 'PGRST202', `Could not find the function public.${f('uint')} in the schema cache`]);
});

test('a volatile function fails through GET (read-only transaction) and works through POST', async () => {
  const get = await anon.rpc(f('volatile'), {}, { get: true });
  assert.equal(get.status, 405);
  assert.equal(get.error.code, '25006');
  const post = await anon.rpc(f('volatile'));
  assert.equal(post.error, null);
  assert.equal(post.data, 1);
  const options = await rest(`rpc/${f('volatile')}`, { method: 'OPTIONS' });
  assert.equal(options.status, 200);
  assert.equal(options.headers.get('allow'), 'OPTIONS,POST');
});

test('SECURITY DEFINER reads what the caller cannot', async () => {
  assert.equal((await anon.rpc(f('secdef'))).data, 0);
  const direct = await anon.from(secret).select('*');
  assert.equal(direct.status, 401);
  assert.equal(direct.error.code, '42501');
  assert.equal(direct.error.message, `permission denied for table ${secret}`);
});

test('raised errors: P0001, ERRCODE with detail and hint, PGRST full control, PT status codes', async () => {
  const plain = await anon.rpc(f('raise'));
  assert.equal(plain.status, 400);
  assert.deepEqual(plain.error, { code: 'P0001', details: null, hint: null, message: 'plain failure' });
  const detailed = await anon.rpc(f('raise_detail'));
  assert.equal(detailed.status, 400);
  assert.deepEqual(detailed.error, { code: '22023', details: 'd', hint: 'h', message: 'bad value' });

  const teapot = await rest(`rpc/${f('teapot')}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(teapot.status, 418);
  assert.equal(teapot.headers.get('x-powered-by'), 'Nerd');
  assert.deepEqual(await teapot.json(), { code: '123', details: 'd', hint: 'h', message: 'm' });
  const viaClient = await anon.rpc(f('teapot'));
  assert.equal(viaClient.status, 418);
  assert.equal(viaClient.error.code, '123');

  const bad = await anon.rpc(f('bad_pgrst'));
  assert.equal(bad.status, 500);
  assert.equal(bad.error.code, 'PGRST121');
  assert.equal(bad.error.details, "Invalid JSON value for MESSAGE: 'not json'");

  const pay = await anon.rpc(f('pay'));
  assert.equal(pay.status, 402);
  assert.deepEqual(pay.error, { code: 'PT402', details: null, hint: null, message: 'pay first' });

  const retry = await anon.rpc(f('serialization'));
  assert.equal(retry.status, 500);
  assert.equal(retry.error.code, '40001');
});

test('unknown functions: PostgREST message, details and hint', async () => {
  const typo = await anon.rpc(f('setoff'));
  assert.equal(typo.status, 404);
  assert.deepEqual(typo.error, {
    code: 'PGRST202',
    message: `Could not find the function public.${f('setoff')} without parameters in the schema cache`,
    details: `Searched for the function public.${f('setoff')} without parameters or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`,
    hint: `Perhaps you meant to call the function public.${f('setof')}`,
  });
  const wrongArgs = await anon.rpc(f('defaults'), { z: 1, a: 1 });
  assert.equal(wrongArgs.status, 404);
  assert.equal(wrongArgs.error.message, `Could not find the function public.${f('defaults')}(a, z) in the schema cache`);
  assert.equal(wrongArgs.error.details,
    `Searched for the function public.${f('defaults')} with parameters a, z or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`);
  assert.equal(wrongArgs.error.hint, `Perhaps you meant to call the function public.${f('defaults')}(a, b, c)`);
  const viaGet = await anon.rpc(f('over'), { c: 1 }, { get: true });
  assert.equal(viaGet.status, 404);
  assert.equal(viaGet.error.details, `Searched for the function public.${f('over')} with parameter c, but no matches were found in the schema cache.`);
});

test('table errors: RLS insert, invalid input, not null, range past the end', async () => {
  const rls = await anon.from(guarded).insert({ id: 1 });
  assert.equal(rls.status, 401);
  assert.equal(rls.error.code, '42501');
  assert.equal(rls.error.message, `new row violates row-level security policy for table "${guarded}"`);
  const input = await anon.from(items).select('id').eq('id', 'abc');
  assert.equal(input.status, 400);
  assert.equal(input.error.code, '22P02');
  const notNull = await admin.from(items).insert({ name: 'no id' });
  assert.equal(notNull.status, 400);
  assert.equal(notNull.error.code, '23502');
  const atEnd = await anon.from(items).select('id', { count: 'exact' }).lt('id', 5).range(4, 10);
  assert.equal(atEnd.error, null);
  assert.equal(atEnd.status, 206);
  assert.deepEqual(atEnd.data, []);
  const past = await rest(`${items}?id=lt.5&offset=5`, { headers: { Prefer: 'count=exact' } });
  assert.equal(past.status, 416);
  assert.equal(past.headers.get('content-range'), '*/4');
  assert.deepEqual(await past.json(), {
    code: 'PGRST103', details: 'An offset of 5 was requested, but there are only 4 rows.', hint: null, message: 'Requested range not satisfiable',
  });
});

test('csv() is the record text format PostgREST produces', async () => {
  const { data, error } = await anon.from(items).select('id,name,tags,meta,note,ok').lt('id', 5).order('id').csv();
  assert.equal(error, null);
  assert.equal(data, 'id,name,tags,meta,note,ok\n'
    + '1,"a,b","{x,y}","{""k"": 1}","he said ""hi""",t\n'
    + '2,"line\nbreak",{},,,f\n'
    + '3,plain,,"[1, 2]","",\n'
    + '4,four,{z},"""s""",x,t');
  const empty = await rest(`${items}?id=eq.99`, { headers: { Accept: 'text/csv' } });
  assert.equal(empty.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.equal(await empty.text(), '\n');
});

test('stripped nulls name their media type', async () => {
  const response = await rest(`${items}?id=eq.2&select=id,meta,note`, { headers: { Accept: 'application/vnd.pgrst.object+json;nulls=stripped' } });
  assert.equal(response.headers.get('content-type'), 'application/vnd.pgrst.object+json;nulls=stripped; charset=utf-8');
  assert.deepEqual(await response.json(), { id: 2 });
  const array = await anon.from(items).select('id,meta').eq('id', 2).stripNulls();
  assert.deepEqual(array.data, [{ id: 2 }]);
});

test('Prefer: strict handling lists every invalid preference; Preference-Applied keeps PostgREST order', async () => {
  const strict = await rest(items, { headers: { Prefer: 'foo, handling=strict, bar=1' } });
  assert.equal(strict.status, 400);
  assert.deepEqual(await strict.json(), {
    code: 'PGRST122', details: 'Invalid preferences: foo, bar=1', hint: null, message: 'Invalid preferences given with handling=strict',
  });
  const read = await rest(`${items}?select=id&id=eq.1`, { headers: { Prefer: 'return=representation, count=exact, count=planned' } });
  assert.equal(read.headers.get('preference-applied'), 'count=exact');
  assert.equal(read.headers.get('content-range'), '0-0/1');
  const write = await fetch(`${stack.API_URL}/rest/v1/${items}?id=eq.1`, {
    method: 'PATCH',
    headers: {
      apikey: stack.SERVICE_ROLE_KEY, Authorization: `Bearer ${stack.SERVICE_ROLE_KEY}`, 'Content-Type': 'application/json',
      Prefer: 'handling=strict, max-affected=5, count=exact, return=representation, missing=default',
    },
    body: JSON.stringify({ note: 'he said "hi"' }),
  });
  assert.equal(write.status, 200);
  assert.equal(write.headers.get('preference-applied'), 'missing=default, return=representation, count=exact, handling=strict, max-affected=5');
  assert.equal(write.headers.get('content-range'), '0-0/1');
  const tooMany = await admin.from(items).update({ note: 'n' }).lt('id', 5).maxAffected(1);
  assert.equal(tooMany.status, 400);
  assert.equal(tooMany.error.code, 'PGRST124');
  assert.equal(tooMany.error.details, 'The query affects 4 rows');
});

test('OPTIONS names the methods a table takes', async () => {
  const response = await rest(items, { method: 'OPTIONS' });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('allow'), 'OPTIONS,GET,HEAD,POST,PUT,PATCH,DELETE');
});
