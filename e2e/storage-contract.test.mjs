// Small parts of storage-api's contract, end to end with supabase-js (storage-js) and plain fetch where
// storage-js has no call: status/version, list-v2 orders, public info, copy with x-upsert, errors, units, names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createClient } from '@supabase/supabase-js';
import { stack } from './stack.mjs';
import { sql } from './db.mjs';

const options = { auth: { persistSession: false, autoRefreshToken: false } };
const admin = createClient(stack.API_URL, stack.SERVICE_ROLE_KEY, options);
const run = randomUUID().slice(0, 8);
const storageUrl = `${stack.API_URL}/storage/v1`;

async function bucket(name, settings = {}) {
  const id = `e2e-contract-${name}-${run}`;
  const { error } = await admin.storage.createBucket(id, settings);
  assert.equal(error, null);
  return id;
}

test('GET /status and /version answer', async () => {
  const headers = { apikey: stack.ANON_KEY };
  assert.equal((await fetch(`${storageUrl}/status`, { headers })).status, 200);
  const version = await fetch(`${storageUrl}/version`, { headers });
  assert.equal(version.status, 200);
  assert.match(await version.text(), /^\d+\.\d+\.\d+$/);
});

test('listV2 pages with its cursor in the sortBy order', async () => {
  const id = await bucket('sorted');
  for (const name of ['a', 'b', 'c']) {
    assert.equal((await admin.storage.from(id).upload(`f/${name}`, name)).error, null);
  }
  await sql(`SET session_replication_role = replica;
    UPDATE storage.objects SET updated_at = CASE right(name, 1) WHEN 'b' THEN '2020-01-01' WHEN 'c' THEN '2020-01-02' ELSE '2020-01-03' END::timestamptz
    WHERE bucket_id = $1`.replace('$1', `'${id}'`));

  const names = [];
  let cursor;
  do {
    const { data, error } = await admin.storage.from(id).listV2({ prefix: 'f/', limit: 1, cursor, sortBy: { column: 'updated_at', order: 'desc' } });
    assert.equal(error, null);
    names.push(...data.objects.map((o) => o.name));
    cursor = data.hasNext ? data.nextCursor : undefined;
  } while (cursor);
  assert.deepEqual(names, ['f/a', 'f/c', 'f/b']);
});

test('info of a public object at /object/info/public, metadata {} when none was given', async () => {
  const id = await bucket('open', { public: true });
  assert.equal((await admin.storage.from(id).upload('x.txt', 'hello', { contentType: 'text/plain' })).error, null);

  const response = await fetch(`${storageUrl}/object/info/public/${id}/x.txt`, { headers: { apikey: stack.ANON_KEY } });
  assert.equal(response.status, 200);
  const info = await response.json();
  assert.equal(info.name, 'x.txt');
  assert.deepEqual(info.metadata, {});

  const viaClient = await admin.storage.from(id).info('x.txt');
  assert.equal(viaClient.error, null);
  assert.deepEqual(viaClient.data.metadata, {});
});

test('copy with x-upsert: true overwrites; without it the destination is a Duplicate', async () => {
  const id = await bucket('copies');
  await admin.storage.from(id).upload('src.txt', 'new');
  await admin.storage.from(id).upload('dst.txt', 'old');
  const refused = await admin.storage.from(id).copy('src.txt', 'dst.txt');
  assert.equal(refused.error.statusCode, '409');

  const upserting = createClient(stack.API_URL, stack.SERVICE_ROLE_KEY, { ...options, global: { headers: { 'x-upsert': 'true' } } });
  const copied = await upserting.storage.from(id).copy('src.txt', 'dst.txt');
  assert.equal(copied.error, null);
  const { data } = await admin.storage.from(id).download('dst.txt');
  assert.equal(await data.text(), 'new');
});

test('deleting a non-empty bucket answers ResourceNotEmpty; 20mb is 20,000,000 bytes', async () => {
  const id = await bucket('full', { fileSizeLimit: '20mb' });
  assert.equal((await admin.storage.getBucket(id)).data.file_size_limit, 20_000_000);
  await admin.storage.from(id).upload('x.txt', 'x');
  const refused = await admin.storage.deleteBucket(id);
  assert.equal(refused.error.statusCode, '409');
  const raw = await fetch(`${storageUrl}/bucket/${id}`, { method: 'DELETE', headers: { apikey: stack.SERVICE_ROLE_KEY } });
  assert.equal((await raw.json()).code, 'ResourceNotEmpty');
});

test('object names with empty segments are accepted and kept apart', async () => {
  // storage-js collapses "//" in the paths it is given, so the raw API is called as other clients call it.
  const id = await bucket('names');
  const headers = { apikey: stack.SERVICE_ROLE_KEY, 'content-type': 'text/plain' };
  const stored = await fetch(`${storageUrl}/object/${id}/a///b.txt`, { method: 'POST', headers, body: 'three' });
  assert.equal(stored.status, 200, await stored.clone().text());
  assert.equal((await stored.json()).Key, `${id}/a///b.txt`);
  assert.equal((await admin.storage.from(id).upload('a/b.txt', 'one')).error, null);

  const three = await fetch(`${storageUrl}/object/${id}/a///b.txt`, { headers });
  assert.equal(await three.text(), 'three');
  assert.equal(await (await admin.storage.from(id).download('a/b.txt')).data.text(), 'one');
});
