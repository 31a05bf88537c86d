// Resumable uploads end to end: the real tus-js-client (as supabase's docs and Uppy use it) against
// /storage/v1/upload/resumable through the gateway, and supabase-js to read back what it stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createClient } from '@supabase/supabase-js';
import * as tus from 'tus-js-client';
import { stack } from './stack.mjs';

const options = { auth: { persistSession: false, autoRefreshToken: false } };
const admin = createClient(stack.API_URL, stack.SERVICE_ROLE_KEY, options);
const run = randomUUID().slice(0, 8);
const chunkSize = 6 * 1024 * 1024; // what supabase's docs tell tus-js-client to use
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');

async function bucket(name, settings = {}) {
  const id = `e2e-tus-${name}-${run}`;
  const { error } = await admin.storage.createBucket(id, settings);
  assert.equal(error, null);
  return id;
}

// Resolves with what the upload saw (the Upload-Offset of every PATCH), rejects with tus-js-client's error.
function upload(bytes, { endpoint = `${stack.API_URL}/storage/v1/upload/resumable`, headers = {}, metadata, retryDelays = [0, 200, 500, 1000, 2000] }) {
  const patchOffsets = [];
  return new Promise((resolve, reject) => {
    const tusUpload = new tus.Upload(bytes, {
      endpoint,
      chunkSize,
      retryDelays,
      headers: { apikey: stack.ANON_KEY, authorization: `Bearer ${stack.SERVICE_ROLE_KEY}`, ...headers },
      metadata,
      uploadDataDuringCreation: false,
      removeFingerprintOnSuccess: true,
      onBeforeRequest(req) {
        if (req.getMethod() === 'PATCH') patchOffsets.push(Number(req.getHeader('Upload-Offset')));
      },
      onError: reject,
      onSuccess: () => resolve({ patchOffsets, url: tusUpload.url }),
    });
    tusUpload.start();
  });
}

async function download(bucketId, name) {
  const { data, error } = await admin.storage.from(bucketId).download(name);
  assert.equal(error, null);
  return Buffer.from(await data.arrayBuffer());
}

test('tus-js-client uploads in 6 MiB chunks; supabase-js reads the object and its metadata', async () => {
  const id = await bucket('chunks');
  const bytes = randomBytes(13 * 1024 * 1024 + 17);
  const { patchOffsets, url } = await upload(bytes, {
    metadata: { bucketName: id, objectName: 'big/file.bin', contentType: 'application/x-e2e', cacheControl: '3600', metadata: JSON.stringify({ run }) },
  });
  assert.deepEqual(patchOffsets, [0, chunkSize, 2 * chunkSize]);
  assert.ok(url.startsWith(`${stack.API_URL}/storage/v1/upload/resumable/`), url);

  assert.equal(sha(await download(id, 'big/file.bin')), sha(bytes));
  const info = await admin.storage.from(id).info('big/file.bin');
  assert.equal(info.error, null);
  assert.equal(info.data.size, bytes.length);
  assert.equal(info.data.contentType, 'application/x-e2e');
  assert.equal(info.data.cacheControl, 'max-age=3600');
  assert.deepEqual(info.data.metadata, { run });
});

test('tus-js-client resumes from the last stored chunk after the connection is killed mid-chunk', async () => {
  const id = await bucket('resume');
  const bytes = randomBytes(3 * chunkSize);

  // A TCP hop in front of the gateway that kills the connection once, in the middle of the second chunk.
  const target = new URL(stack.API_URL);
  let forwarded = 0;
  let killed = false;
  const proxy = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    client.on('data', (data) => {
      forwarded += data.length;
      if (!killed && forwarded > chunkSize + chunkSize / 2) {
        killed = true;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(data);
    });
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  try {
    const { patchOffsets } = await upload(bytes, {
      endpoint: `http://127.0.0.1:${proxy.address().port}/storage/v1/upload/resumable`,
      metadata: { bucketName: id, objectName: 'resumed.bin', contentType: 'application/octet-stream' },
    });
    assert.ok(killed, 'the proxy killed a connection');
    // The second chunk was sent twice: the killed attempt, then again from the offset HEAD reported.
    assert.deepEqual(patchOffsets.filter((offset) => offset === chunkSize).length >= 2, true, JSON.stringify(patchOffsets));
    assert.equal(patchOffsets.at(-1), 2 * chunkSize);
  } finally {
    proxy.close();
  }
  assert.equal(sha(await download(id, 'resumed.bin')), sha(bytes));
});

test('a signed upload URL from supabase-js authorises a resumable upload through x-signature', async () => {
  const id = await bucket('signed');
  const signed = await admin.storage.from(id).createSignedUploadUrl('signed/file.txt');
  assert.equal(signed.error, null);

  await upload(Buffer.from('signed resumable'), {
    endpoint: `${stack.API_URL}/storage/v1/upload/resumable/sign`,
    headers: { authorization: `Bearer ${stack.ANON_KEY}`, 'x-signature': signed.data.token },
    metadata: { bucketName: id, objectName: 'signed/file.txt', contentType: 'text/plain' },
  });
  assert.equal((await download(id, 'signed/file.txt')).toString(), 'signed resumable');

  const refused = await upload(Buffer.from('x'), {
    endpoint: `${stack.API_URL}/storage/v1/upload/resumable/sign`,
    headers: { authorization: `Bearer ${stack.ANON_KEY}` },
    metadata: { bucketName: id, objectName: 'signed/other.txt' },
    retryDelays: null,
  }).then(() => null, (error) => error);
  assert.equal(refused.originalResponse.getStatus(), 400);
  assert.equal(refused.originalResponse.getBody(), 'Missing x-signature header');
});

test('policies, x-upsert and bucket limits are enforced as storage-api enforces them', async () => {
  const id = await bucket('rules', { fileSizeLimit: 1024 });
  const failure = (promise) => promise.then(() => null, (error) => error.originalResponse);

  const anon = await failure(upload(Buffer.from('x'), {
    headers: { authorization: `Bearer ${stack.ANON_KEY}` },
    metadata: { bucketName: id, objectName: 'anon.txt' },
    retryDelays: null,
  }));
  assert.equal(anon.getStatus(), 403);
  assert.equal(anon.getBody(), 'new row violates row-level security policy');

  const tooBig = await failure(upload(randomBytes(2048), { metadata: { bucketName: id, objectName: 'big.bin' }, retryDelays: null }));
  assert.equal(tooBig.getStatus(), 413);

  await upload(Buffer.from('one'), { metadata: { bucketName: id, objectName: 'same.txt' } });
  const duplicate = await failure(upload(Buffer.from('two'), { metadata: { bucketName: id, objectName: 'same.txt' }, retryDelays: null }));
  assert.equal(duplicate.getStatus(), 409);
  await upload(Buffer.from('two'), { headers: { 'x-upsert': 'true' }, metadata: { bucketName: id, objectName: 'same.txt' } });
  assert.equal((await download(id, 'same.txt')).toString(), 'two');
});
