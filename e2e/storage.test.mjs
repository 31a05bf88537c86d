// Storage end to end: the real supabase-js storage client (storage-js) against /storage/v1 through the gateway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { deflateSync, crc32 } from 'node:zlib';
import { createClient } from '@supabase/supabase-js';
import { stack } from './stack.mjs';
import { sql } from './db.mjs';

const options = { auth: { persistSession: false, autoRefreshToken: false } };
const admin = createClient(stack.API_URL, stack.SERVICE_ROLE_KEY, options);
const run = randomUUID().slice(0, 8);
const bucketName = (name) => `e2e-${name}-${run}`;

async function bucket(name, settings = {}) {
  const id = bucketName(name);
  const { data, error } = await admin.storage.createBucket(id, settings);
  assert.equal(error, null);
  assert.equal(data.name, id);
  return id;
}

async function signedInClient() {
  const client = createClient(stack.API_URL, stack.ANON_KEY, options);
  const { data, error } = await client.auth.signUp({ email: `storage-${randomUUID()}@example.com`, password: 'storage-secret-1' });
  assert.equal(error, null);
  assert.ok(data.session, 'autoconfirm must give a session');
  return { client, userId: data.user.id };
}

test('buckets: create, get, list, update, empty, delete', async () => {
  const id = await bucket('crud', { public: false, fileSizeLimit: '1MB', allowedMimeTypes: ['image/*'] });

  const got = await admin.storage.getBucket(id);
  assert.equal(got.error, null);
  assert.equal(got.data.public, false);
  assert.equal(got.data.file_size_limit, 1_000_000); // storage-api's units are decimal
  assert.deepEqual(got.data.allowed_mime_types, ['image/*']);

  const listed = await admin.storage.listBuckets();
  assert.equal(listed.error, null);
  assert.ok(listed.data.some((b) => b.id === id));

  const updated = await admin.storage.updateBucket(id, { public: true, allowedMimeTypes: ['text/plain'] });
  assert.equal(updated.error, null);
  assert.equal((await admin.storage.getBucket(id)).data.public, true);

  const up = await admin.storage.from(id).upload('x.txt', 'x', { contentType: 'text/plain' });
  assert.equal(up.error, null);
  const refused = await admin.storage.deleteBucket(id);
  assert.ok(refused.error, 'a bucket with objects cannot be deleted');
  assert.equal(refused.error.statusCode, '409');

  assert.equal((await admin.storage.emptyBucket(id)).error, null);
  const deleted = await admin.storage.deleteBucket(id);
  assert.equal(deleted.error, null);
  assert.equal(deleted.data.message, 'Successfully deleted');
  const gone = await admin.storage.getBucket(id);
  assert.equal(gone.error.statusCode, '404');
});

test('objects: upload (Blob form and raw), download, info, exists, update, duplicate', async () => {
  const id = await bucket('objects');
  const files = admin.storage.from(id);

  const blob = new Blob(['hello from a blob'], { type: 'text/plain' });
  const uploaded = await files.upload('folder/hello.txt', blob, { cacheControl: '120', metadata: { purpose: 'e2e' } });
  assert.equal(uploaded.error, null);
  assert.equal(uploaded.data.path, 'folder/hello.txt');
  assert.equal(uploaded.data.fullPath, `${id}/folder/hello.txt`);
  assert.ok(uploaded.data.id);

  const raw = await files.upload('raw.json', Buffer.from('{"a":1}'), { contentType: 'application/json' });
  assert.equal(raw.error, null);

  const downloaded = await files.download('folder/hello.txt');
  assert.equal(downloaded.error, null);
  assert.equal(await downloaded.data.text(), 'hello from a blob');
  const json = await files.download('raw.json');
  assert.equal(json.data.type, 'application/json');

  const info = await files.info('folder/hello.txt');
  assert.equal(info.error, null);
  assert.equal(info.data.size, 17);
  assert.equal(info.data.contentType, 'text/plain');
  assert.equal(info.data.cacheControl, 'max-age=120');
  assert.deepEqual(info.data.metadata, { purpose: 'e2e' });

  assert.equal((await files.exists('folder/hello.txt')).data, true);
  assert.equal((await files.exists('folder/missing.txt')).data, false);

  const duplicate = await files.upload('folder/hello.txt', 'again');
  assert.ok(duplicate.error);
  assert.equal(duplicate.error.statusCode, '409');
  assert.equal(duplicate.error.message, 'The resource already exists');

  assert.equal((await files.upload('folder/hello.txt', 'upserted', { upsert: true })).error, null);
  assert.equal(await (await files.download('folder/hello.txt')).data.text(), 'upserted');
  assert.equal((await files.update('folder/hello.txt', 'updated')).error, null);
  assert.equal(await (await files.download('folder/hello.txt')).data.text(), 'updated');

  const missing = await files.download('nope.txt');
  assert.ok(missing.error);
});

test('objects: list with folders, move, copy, remove', async () => {
  const id = await bucket('list');
  const other = await bucket('list-other');
  const files = admin.storage.from(id);
  for (const name of ['docs/a.txt', 'docs/b.txt', 'docs/sub/c.txt', 'top.txt']) {
    assert.equal((await files.upload(name, name)).error, null);
  }

  const root = await files.list();
  assert.equal(root.error, null);
  assert.deepEqual(root.data.map((e) => e.name), ['docs', 'top.txt']);
  assert.equal(root.data[0].id, null);

  const docs = await files.list('docs', { limit: 10, offset: 0, sortBy: { column: 'name', order: 'desc' } });
  assert.deepEqual(docs.data.map((e) => e.name), ['sub', 'b.txt', 'a.txt']);
  assert.equal(docs.data[1].metadata.size, 10);
  const searched = await files.list('docs', { search: 'b' });
  assert.deepEqual(searched.data.map((e) => e.name), ['b.txt']);

  assert.equal((await files.move('docs/a.txt', 'moved/a.txt')).error, null);
  assert.equal(await (await files.download('moved/a.txt')).data.text(), 'docs/a.txt');
  assert.ok((await files.download('docs/a.txt')).error);

  const copied = await files.copy('docs/b.txt', 'copy-of-b.txt', { destinationBucket: other });
  assert.equal(copied.error, null);
  assert.equal(await (await admin.storage.from(other).download('copy-of-b.txt')).data.text(), 'docs/b.txt');

  const removed = await files.remove(['docs/b.txt', 'top.txt']);
  assert.equal(removed.error, null);
  assert.deepEqual(removed.data.map((o) => o.name).sort(), ['docs/b.txt', 'top.txt']);
  assert.deepEqual((await files.list()).data.map((e) => e.name), ['docs', 'moved']);
});

test('public bucket: getPublicUrl is served without a key; private buckets are not', async () => {
  const pub = await bucket('public', { public: true });
  const priv = await bucket('private');
  await admin.storage.from(pub).upload('pic.txt', 'public content');
  await admin.storage.from(priv).upload('pic.txt', 'private content');

  const { data } = admin.storage.from(pub).getPublicUrl('pic.txt');
  // The default project is the one a key-less request reaches.
  const res = await fetch(data.publicUrl);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'public content');

  const download = admin.storage.from(pub).getPublicUrl('pic.txt', { download: 'saved.txt' });
  const attachment = await fetch(download.data.publicUrl);
  assert.match(attachment.headers.get('content-disposition'), /attachment; filename="?saved.txt"?/);

  const refused = await fetch(admin.storage.from(priv).getPublicUrl('pic.txt').data.publicUrl);
  assert.equal(refused.status, 400);
  const body = await refused.json();
  assert.equal(body.statusCode, '404');
});

test('signed URLs: download and upload, single and batch', async () => {
  const id = await bucket('signed');
  const files = admin.storage.from(id);
  await files.upload('secret.txt', 'signed content');

  const signed = await files.createSignedUrl('secret.txt', 60);
  assert.equal(signed.error, null);
  const res = await fetch(signed.data.signedUrl);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'signed content');

  const many = await files.createSignedUrls(['secret.txt', 'missing.txt'], 60);
  assert.equal(many.error, null);
  assert.equal(many.data[0].error, null);
  assert.ok(many.data[1].error);

  const tampered = await fetch(signed.data.signedUrl.replace(/token=([^.]+)\.([^.]+)\./, 'token=$1.$2x.'));
  assert.equal(tampered.status, 400);

  const upload = await files.createSignedUploadUrl('via-token.txt');
  assert.equal(upload.error, null);
  const anon = createClient(stack.API_URL, stack.ANON_KEY, options);
  const put = await anon.storage.from(id).uploadToSignedUrl('via-token.txt', upload.data.token, 'uploaded with a token');
  assert.equal(put.error, null);
  assert.equal(put.data.fullPath, `${id}/via-token.txt`);
  assert.equal(await (await files.download('via-token.txt')).data.text(), 'uploaded with a token');

  // A download token cannot upload.
  const downloadToken = new URL(signed.data.signedUrl).searchParams.get('token');
  const misuse = await anon.storage.from(id).uploadToSignedUrl('secret.txt', downloadToken, 'overwrite');
  assert.ok(misuse.error);
  assert.equal(await (await files.download('secret.txt')).data.text(), 'signed content');
});

// A PNG of width×height, its left half red and its right half blue (8-bit RGB, no filter).
function png(width, height) {
  const chunk = (type, data) => {
    const length = Buffer.alloc(4); length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type), data])));
    return Buffer.concat([length, Buffer.from(type), data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0); header.writeUInt32BE(height, 4); header[8] = 8; header[9] = 2;
  const rows = [];
  for (let y = 0; y < height; y++) {
    rows.push(0);
    for (let x = 0; x < width; x++) rows.push(...(x < width / 2 ? [220, 30, 30] : [30, 30, 220]));
  }
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.from(rows))), chunk('IEND', Buffer.alloc(0))]);
}
const pngSize = (bytes) => [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];

test('image transformation: download, signed URL and public URL with transform', async () => {
  const id = await bucket('render', { public: true });
  const { error } = await admin.storage.from(id).upload('pic.png', png(40, 20), { contentType: 'image/png' });
  assert.equal(error, null);

  const download = await admin.storage.from(id).download('pic.png', { transform: { width: 20, height: 20, resize: 'contain', format: 'origin' } });
  assert.equal(download.error, null);
  assert.equal(download.data.type, 'image/png');
  assert.deepEqual(pngSize(Buffer.from(await download.data.arrayBuffer())), [20, 10]);

  const signed = await admin.storage.from(id).createSignedUrl('pic.png', 60, { transform: { width: 10, height: 10 } });
  assert.equal(signed.error, null);
  assert.match(signed.data.signedUrl, /\/storage\/v1\/render\/image\/sign\//);
  const viaSigned = await fetch(signed.data.signedUrl);
  assert.equal(viaSigned.status, 200);
  assert.equal(viaSigned.headers.get('content-type'), 'image/png');
  assert.deepEqual(pngSize(Buffer.from(await viaSigned.arrayBuffer())), [10, 10]);

  const { data: { publicUrl } } = admin.storage.from(id).getPublicUrl('pic.png', { transform: { width: 8, format: 'webp' } });
  const viaPublic = await fetch(publicUrl);
  assert.equal(viaPublic.status, 200);
  assert.equal(viaPublic.headers.get('content-type'), 'image/webp');
  const webp = Buffer.from(await viaPublic.arrayBuffer());
  assert.deepEqual([webp.subarray(0, 4).toString(), webp.subarray(8, 12).toString()], ['RIFF', 'WEBP']);

  const notImage = await admin.storage.from(id).upload('notes.txt', 'hello', { contentType: 'text/plain' });
  assert.equal(notImage.error, null);
  const refused = await admin.storage.from(id).download('notes.txt', { transform: { width: 10 } });
  assert.ok(refused.error, 'a text file cannot be rendered');
});

test('limits: bucket size limit and MIME types', async () => {
  const id = await bucket('limits', { fileSizeLimit: 10, allowedMimeTypes: ['image/*'] });
  const files = admin.storage.from(id);
  const ok = await files.upload('a.png', new Blob(['12345'], { type: 'image/png' }));
  assert.equal(ok.error, null);
  const big = await files.upload('b.png', new Blob(['12345678901'], { type: 'image/png' }));
  assert.equal(big.error.statusCode, '413');
  const wrongType = await files.upload('c.txt', new Blob(['x'], { type: 'text/plain' }));
  assert.equal(wrongType.error.statusCode, '415');
  assert.equal((await files.exists('b.png')).data, false);
});

test('RLS: per-user folder policy between two users', async () => {
  const id = await bucket('avatars');
  await sql(`
    create policy "e2e own folder insert ${run}" on storage.objects for insert to authenticated
      with check (bucket_id = '${id}' and (storage.foldername(name))[1] = auth.uid()::text);
    create policy "e2e own folder select ${run}" on storage.objects for select to authenticated
      using (bucket_id = '${id}' and (storage.foldername(name))[1] = auth.uid()::text);
  `);
  const alice = await signedInClient();
  const bob = await signedInClient();

  const own = await alice.client.storage.from(id).upload(`${alice.userId}/avatar.png`, new Blob(['alice'], { type: 'image/png' }));
  assert.equal(own.error, null);
  const forged = await alice.client.storage.from(id).upload(`${bob.userId}/avatar.png`, new Blob(['forged'], { type: 'image/png' }));
  assert.ok(forged.error);
  assert.equal(forged.error.statusCode, '403');

  assert.equal(await (await alice.client.storage.from(id).download(`${alice.userId}/avatar.png`)).data.text(), 'alice');
  const peek = await bob.client.storage.from(id).download(`${alice.userId}/avatar.png`);
  assert.ok(peek.error);
  const listed = await bob.client.storage.from(id).list(alice.userId);
  assert.deepEqual(listed.data, []);
  const anonymous = createClient(stack.API_URL, stack.ANON_KEY, options);
  assert.ok((await anonymous.storage.from(id).upload('anon.txt', 'x')).error);
});
