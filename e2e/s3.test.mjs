// The S3 protocol end to end: the real AWS SDK (@aws-sdk/client-s3, its presigner) against /storage/v1/s3 through
// the gateway, with an access key from the admin API (service_role) and with a user's session token (RLS).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  S3Client, ListBucketsCommand, CreateBucketCommand, HeadBucketCommand, DeleteBucketCommand, PutObjectCommand,
  GetObjectCommand, HeadObjectCommand, CopyObjectCommand, DeleteObjectCommand, DeleteObjectsCommand, ListObjectsV2Command,
  CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand, AbortMultipartUploadCommand, ListPartsCommand,
  ListMultipartUploadsCommand, UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createClient } from '@supabase/supabase-js';
import { stack } from './stack.mjs';
import { admin } from './admin.mjs';
import { sql } from './db.mjs';

const endpoint = `${stack.API_URL}/storage/v1/s3`;
const region = 'local';
const projectRef = JSON.parse(Buffer.from(stack.ANON_KEY.split('.')[1], 'base64url')).ref;
const run = randomUUID().slice(0, 8);
const created = await admin('POST', `/projects/${projectRef}/storage/s3-access-keys`, { description: `e2e ${run}` });
const credentials = { accessKeyId: created.access_key_id, secretAccessKey: created.secret_access_key };
const clients = [];
const client = (config) => {
  const made = new S3Client({ forcePathStyle: true, region, endpoint, ...config });
  clients.push(made);
  return made;
};
const s3 = client({ credentials });
// The SDK keeps its sockets alive for minutes: close them, or node waits for them after the last test.
after(() => clients.forEach((c) => c.destroy()));

async function bucket(name) {
  const id = `e2e-s3-${name}-${run}`;
  await s3.send(new CreateBucketCommand({ Bucket: id }));
  return id;
}

async function status(promise) {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    // The SDK names a 304 "Unknown" (it has no body to read a code from).
    return error.$metadata?.httpStatusCode === 304 ? '304' : `${error.$metadata?.httpStatusCode} ${error.name}`;
  }
}

test('access keys: listed without their secret, shown once', async () => {
  const keys = await admin('GET', `/projects/${projectRef}/storage/s3-access-keys`);
  const mine = keys.find((k) => k.access_key_id === created.access_key_id);
  assert.equal(mine.description, `e2e ${run}`);
  assert.equal(mine.secret_access_key, undefined);
  assert.ok(created.access_key_id.startsWith(`${projectRef}.`));
});

test('buckets: create, head, list, delete (refused while not empty)', async () => {
  const id = await bucket('crud');
  await s3.send(new HeadBucketCommand({ Bucket: id }));
  const listed = await s3.send(new ListBucketsCommand({}));
  assert.ok(listed.Buckets.some((b) => b.Name === id && b.CreationDate instanceof Date));
  assert.equal(await status(s3.send(new CreateBucketCommand({ Bucket: id }))), '409 BucketAlreadyOwnedByYou');

  await s3.send(new PutObjectCommand({ Bucket: id, Key: 'x.txt', Body: 'x' }));
  assert.equal(await status(s3.send(new DeleteBucketCommand({ Bucket: id }))), '409 BucketNotEmpty');
  await s3.send(new DeleteObjectCommand({ Bucket: id, Key: 'x.txt' }));
  await s3.send(new DeleteBucketCommand({ Bucket: id }));
  assert.equal(await status(s3.send(new HeadBucketCommand({ Bucket: id }))), '404 NotFound');
  assert.equal(await status(s3.send(new DeleteBucketCommand({ Bucket: id }))), '404 NoSuchBucket');
});

test('objects: put (buffer and stream), get, ranges, conditionals, head, metadata', async () => {
  const id = await bucket('objects');
  const put = await s3.send(new PutObjectCommand({
    Bucket: id, Key: 'docs/hello.txt', Body: 'hello, s3', ContentType: 'text/plain', Metadata: { owner: 'e2e' },
  }));
  assert.match(put.ETag, /^"[0-9a-f]{32}"$/);

  const got = await s3.send(new GetObjectCommand({ Bucket: id, Key: 'docs/hello.txt' }));
  assert.equal(await got.Body.transformToString(), 'hello, s3');
  assert.equal(got.ContentType, 'text/plain');
  assert.equal(got.ETag, put.ETag);
  assert.deepEqual(got.Metadata, { owner: 'e2e' });

  const range = await s3.send(new GetObjectCommand({ Bucket: id, Key: 'docs/hello.txt', Range: 'bytes=7-8' }));
  assert.equal(await range.Body.transformToString(), 's3');
  assert.equal(range.ContentRange, 'bytes 7-8/9');
  assert.equal(await status(s3.send(new GetObjectCommand({ Bucket: id, Key: 'docs/hello.txt', Range: 'bytes=50-' }))), '416 InvalidRange');

  assert.equal(await status(s3.send(new GetObjectCommand({ Bucket: id, Key: 'docs/hello.txt', IfNoneMatch: put.ETag }))), '304');
  assert.equal(await status(s3.send(new GetObjectCommand({ Bucket: id, Key: 'docs/hello.txt', IfMatch: '"nope"' }))), '412 PreconditionFailed');
  const future = new Date(Date.now() + 3600_000);
  assert.equal(await status(s3.send(new GetObjectCommand({ Bucket: id, Key: 'docs/hello.txt', IfModifiedSince: future }))), '304');
  assert.equal((await s3.send(new GetObjectCommand({ Bucket: id, Key: 'docs/hello.txt', IfMatch: put.ETag }))).ContentLength, 9);

  const head = await s3.send(new HeadObjectCommand({ Bucket: id, Key: 'docs/hello.txt' }));
  assert.equal(head.ContentLength, 9);
  assert.equal(head.ETag, put.ETag);
  assert.equal(await status(s3.send(new HeadObjectCommand({ Bucket: id, Key: 'docs/missing.txt' }))), '404 NotFound');
  assert.equal(await status(s3.send(new GetObjectCommand({ Bucket: id, Key: 'docs/missing.txt' }))), '404 NoSuchKey');

  // A stream of unknown length: the SDK sends it aws-chunked.
  const chunks = Array.from({ length: 40 }, (_, i) => Buffer.alloc(16 * 1024, 65 + (i % 26)));
  await s3.send(new PutObjectCommand({
    Bucket: id, Key: 'big.bin', Body: Readable.from(chunks), ContentLength: 40 * 16 * 1024,
  }));
  const big = await s3.send(new GetObjectCommand({ Bucket: id, Key: 'big.bin' }));
  assert.ok(Buffer.concat(chunks).equals(Buffer.from(await big.Body.transformToByteArray())));

  // Overwrite: S3 puts replace.
  await s3.send(new PutObjectCommand({ Bucket: id, Key: 'docs/hello.txt', Body: 'v2' }));
  assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: id, Key: 'docs/hello.txt' }))).Body.transformToString(), 'v2');
});

test('objects: copy, delete, delete many', async () => {
  const id = await bucket('copy');
  await s3.send(new PutObjectCommand({ Bucket: id, Key: 'a/source.txt', Body: 'copied bytes', ContentType: 'text/plain' }));
  const copy = await s3.send(new CopyObjectCommand({ Bucket: id, Key: 'b/target.txt', CopySource: `${id}/a/source.txt` }));
  assert.match(copy.CopyObjectResult.ETag, /^"[0-9a-f]{32}"$/);
  const target = await s3.send(new GetObjectCommand({ Bucket: id, Key: 'b/target.txt' }));
  assert.equal(await target.Body.transformToString(), 'copied bytes');
  assert.equal(target.ContentType, 'text/plain');
  assert.equal(await status(s3.send(new CopyObjectCommand({ Bucket: id, Key: 'c.txt', CopySource: `${id}/missing.txt` }))), '404 NoSuchKey');

  await s3.send(new DeleteObjectCommand({ Bucket: id, Key: 'b/target.txt' }));
  assert.equal(await status(s3.send(new HeadObjectCommand({ Bucket: id, Key: 'b/target.txt' }))), '404 NotFound');
  await s3.send(new DeleteObjectCommand({ Bucket: id, Key: 'b/target.txt' }));

  await s3.send(new PutObjectCommand({ Bucket: id, Key: 'm/1', Body: '1' }));
  await s3.send(new PutObjectCommand({ Bucket: id, Key: 'm/2', Body: '2' }));
  const deleted = await s3.send(new DeleteObjectsCommand({
    Bucket: id, Delete: { Objects: [{ Key: 'm/1' }, { Key: 'm/2' }, { Key: 'a/source.txt' }] },
  }));
  assert.deepEqual(deleted.Deleted.map((d) => d.Key).sort(), ['a/source.txt', 'm/1', 'm/2']);
  assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: id }))).KeyCount, 0);
});

test('ListObjectsV2: prefix, delimiter, continuation', async () => {
  const id = await bucket('list');
  for (const key of ['a.txt', 'b/1.txt', 'b/2.txt', 'b/c/3.txt', 'c.txt', 'd/4.txt']) {
    await s3.send(new PutObjectCommand({ Bucket: id, Key: key, Body: key }));
  }

  const all = await s3.send(new ListObjectsV2Command({ Bucket: id }));
  assert.deepEqual(all.Contents.map((c) => c.Key), ['a.txt', 'b/1.txt', 'b/2.txt', 'b/c/3.txt', 'c.txt', 'd/4.txt']);
  assert.equal(all.Contents[0].Size, 5);

  const top = await s3.send(new ListObjectsV2Command({ Bucket: id, Delimiter: '/' }));
  assert.deepEqual(top.Contents.map((c) => c.Key), ['a.txt', 'c.txt']);
  assert.deepEqual(top.CommonPrefixes.map((p) => p.Prefix), ['b/', 'd/']);

  const inB = await s3.send(new ListObjectsV2Command({ Bucket: id, Prefix: 'b/', Delimiter: '/' }));
  assert.deepEqual(inB.Contents.map((c) => c.Key), ['b/1.txt', 'b/2.txt']);
  assert.deepEqual(inB.CommonPrefixes.map((p) => p.Prefix), ['b/c/']);

  const keys = [];
  let token;
  let pages = 0;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: id, MaxKeys: 2, ContinuationToken: token }));
    keys.push(...page.Contents.map((c) => c.Key));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    pages++;
  } while (token);
  assert.equal(pages, 3);
  assert.deepEqual(keys, all.Contents.map((c) => c.Key));
  assert.equal(await status(s3.send(new ListObjectsV2Command({ Bucket: `missing-${run}` }))), '404 NoSuchBucket');
});

test('presigned URLs: GET and PUT with plain fetch, refused once tampered', async () => {
  const id = await bucket('presign');
  const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: id, Key: 'up.txt' }), { expiresIn: 60 });
  const put = await fetch(putUrl, { method: 'PUT', body: 'presigned upload' });
  assert.equal(put.status, 200, await put.text());

  const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: id, Key: 'up.txt' }), { expiresIn: 60 });
  const get = await fetch(getUrl);
  assert.equal(await get.text(), 'presigned upload');

  const tampered = await fetch(getUrl.replace('up.txt', 'other.txt'));
  assert.equal(tampered.status, 403);
  assert.match(await tampered.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
});

test('session token: a user JWT under RLS (access key id = ref, secret = anon key)', async () => {
  const id = await bucket('rls');
  await sql(`
    create policy "e2e s3 insert ${run}" on storage.objects for insert to authenticated
      with check (bucket_id = '${id}' and (storage.foldername(name))[1] = auth.uid()::text);
    create policy "e2e s3 select ${run}" on storage.objects for select to authenticated
      using (bucket_id = '${id}' and (storage.foldername(name))[1] = auth.uid()::text);
  `);
  await s3.send(new PutObjectCommand({ Bucket: id, Key: 'someone-else/secret.txt', Body: 'not yours' }));

  const supabase = createClient(stack.API_URL, stack.ANON_KEY, { auth: { persistSession: false, autoRefreshToken: false } });
  const { data, error } = await supabase.auth.signUp({ email: `s3-${randomUUID()}@example.com`, password: 's3-secret-123' });
  assert.equal(error, null);
  const user = client({
    credentials: { accessKeyId: projectRef, secretAccessKey: stack.ANON_KEY, sessionToken: data.session.access_token },
  });

  await user.send(new PutObjectCommand({ Bucket: id, Key: `${data.user.id}/mine.txt`, Body: 'mine' }));
  assert.equal(await (await user.send(new GetObjectCommand({ Bucket: id, Key: `${data.user.id}/mine.txt` }))).Body.transformToString(), 'mine');
  assert.equal(await status(user.send(new PutObjectCommand({ Bucket: id, Key: 'someone-else/forged.txt', Body: 'x' }))), '403 AccessDenied');
  assert.equal(await status(user.send(new GetObjectCommand({ Bucket: id, Key: 'someone-else/secret.txt' }))), '404 NoSuchKey');
  const listed = await user.send(new ListObjectsV2Command({ Bucket: id }));
  assert.deepEqual(listed.Contents.map((c) => c.Key), [`${data.user.id}/mine.txt`]);
  assert.equal(await status(user.send(new CreateMultipartUploadCommand({ Bucket: id, Key: 'someone-else/parts.bin' }))), '403 AccessDenied');
  const own = await user.send(new CreateMultipartUploadCommand({ Bucket: id, Key: `${data.user.id}/parts.bin` }));
  const part = await user.send(new UploadPartCommand({ Bucket: id, Key: `${data.user.id}/parts.bin`, UploadId: own.UploadId, PartNumber: 1, Body: 'by parts' }));
  // Another caller (the access key) cannot see the user's upload.
  assert.equal(await status(s3.send(new ListPartsCommand({ Bucket: id, Key: `${data.user.id}/parts.bin`, UploadId: own.UploadId }))), '404 NoSuchUpload');
  await user.send(new CompleteMultipartUploadCommand({
    Bucket: id, Key: `${data.user.id}/parts.bin`, UploadId: own.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
  }));
  assert.equal(await (await user.send(new GetObjectCommand({ Bucket: id, Key: `${data.user.id}/parts.bin` }))).Body.transformToString(), 'by parts');

  const forged = client({
    credentials: { accessKeyId: projectRef, secretAccessKey: stack.ANON_KEY, sessionToken: 'not-a-jwt' },
  });
  assert.equal(await status(forged.send(new ListObjectsV2Command({ Bucket: id }))), '400 InvalidToken');
});

test('multipart: create, upload parts (one replaced), list parts, complete; abort', async () => {
  const id = await bucket('multipart');
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({
    Bucket: id, Key: 'big/joined.bin', ContentType: 'application/x-test', Metadata: { kind: 'parts' },
  }));
  assert.ok(UploadId);
  const one = Buffer.alloc(256 * 1024, 1);
  const two = Buffer.from('the last part');
  await s3.send(new UploadPartCommand({ Bucket: id, Key: 'big/joined.bin', UploadId, PartNumber: 1, Body: Buffer.from('replaced below') }));
  const p1 = await s3.send(new UploadPartCommand({ Bucket: id, Key: 'big/joined.bin', UploadId, PartNumber: 1, Body: one }));
  const p2 = await s3.send(new UploadPartCommand({ Bucket: id, Key: 'big/joined.bin', UploadId, PartNumber: 2, Body: Readable.from([two]), ContentLength: two.length }));

  const listed = await s3.send(new ListPartsCommand({ Bucket: id, Key: 'big/joined.bin', UploadId }));
  assert.deepEqual(listed.Parts.map((p) => [p.PartNumber, p.Size, p.ETag]), [[1, one.length, p1.ETag], [2, two.length, p2.ETag]]);
  assert.equal(await status(s3.send(new CompleteMultipartUploadCommand({
    Bucket: id, Key: 'big/joined.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"0"' }] },
  }))), '400 InvalidPart');

  const done = await s3.send(new CompleteMultipartUploadCommand({
    Bucket: id, Key: 'big/joined.bin', UploadId,
    MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] },
  }));
  assert.match(done.ETag, /^"[0-9a-f]{32}"$/);
  const got = await s3.send(new GetObjectCommand({ Bucket: id, Key: 'big/joined.bin' }));
  assert.ok(Buffer.concat([one, two]).equals(Buffer.from(await got.Body.transformToByteArray())));
  assert.equal(got.ContentType, 'application/x-test');
  assert.deepEqual(got.Metadata, { kind: 'parts' });
  assert.equal(await status(s3.send(new ListPartsCommand({ Bucket: id, Key: 'big/joined.bin', UploadId }))), '404 NoSuchUpload');

  const aborted = await s3.send(new CreateMultipartUploadCommand({ Bucket: id, Key: 'never.bin' }));
  await s3.send(new UploadPartCommand({ Bucket: id, Key: 'never.bin', UploadId: aborted.UploadId, PartNumber: 1, Body: 'x' }));
  await s3.send(new AbortMultipartUploadCommand({ Bucket: id, Key: 'never.bin', UploadId: aborted.UploadId }));
  assert.equal(await status(s3.send(new ListPartsCommand({ Bucket: id, Key: 'never.bin', UploadId: aborted.UploadId }))), '404 NoSuchUpload');
  assert.equal(await status(s3.send(new HeadObjectCommand({ Bucket: id, Key: 'never.bin' }))), '404 NotFound');
  const [{ count }] = await sql('select count(*)::int as count from storage.s3_multipart_uploads where bucket_id = $1', [id]);
  assert.equal(count, 0);
});

test('multipart: parts copied from an object (whole and by range), uploads in progress listed and paged', async () => {
  const id = await bucket('copy-parts');
  const source = Buffer.from(Array.from({ length: 300 * 1024 }, (_, i) => i % 251));
  await s3.send(new PutObjectCommand({ Bucket: id, Key: 'src/data.bin', Body: source }));
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: id, Key: 'copies/joined.bin' }));
  const whole = await s3.send(new UploadPartCopyCommand({
    Bucket: id, Key: 'copies/joined.bin', UploadId, PartNumber: 1, CopySource: `${id}/src/data.bin`,
  }));
  const ranged = await s3.send(new UploadPartCopyCommand({
    Bucket: id, Key: 'copies/joined.bin', UploadId, PartNumber: 2, CopySource: `${id}/src/data.bin`, CopySourceRange: 'bytes=1000-1999',
  }));
  assert.match(whole.CopyPartResult.ETag, /^"[0-9a-f]{32}"$/);
  assert.equal(await status(s3.send(new UploadPartCopyCommand({
    Bucket: id, Key: 'copies/joined.bin', UploadId, PartNumber: 3, CopySource: `${id}/src/data.bin`, CopySourceRange: `bytes=0-${source.length}`,
  }))), '400 InvalidArgument');
  assert.equal(await status(s3.send(new UploadPartCopyCommand({
    Bucket: id, Key: 'copies/joined.bin', UploadId, PartNumber: 3, CopySource: `${id}/src/missing.bin`,
  }))), '404 NoSuchKey');

  // Uploads in progress: three more, under two folders; listed by key, paged, folded by the delimiter.
  const others = [];
  for (const key of ['copies/other.bin', 'logs/a.txt', 'logs/b.txt']) {
    others.push((await s3.send(new CreateMultipartUploadCommand({ Bucket: id, Key: key }))).UploadId);
  }
  const all = await s3.send(new ListMultipartUploadsCommand({ Bucket: id }));
  assert.deepEqual(all.Uploads.map((u) => u.Key), ['copies/joined.bin', 'copies/other.bin', 'logs/a.txt', 'logs/b.txt']);
  assert.equal(all.Uploads[0].UploadId, UploadId);
  const first = await s3.send(new ListMultipartUploadsCommand({ Bucket: id, MaxUploads: 2 }));
  assert.equal(first.IsTruncated, true);
  const rest = await s3.send(new ListMultipartUploadsCommand({
    Bucket: id, KeyMarker: first.NextKeyMarker, UploadIdMarker: first.NextUploadIdMarker,
  }));
  assert.deepEqual([...first.Uploads, ...rest.Uploads].map((u) => u.Key), all.Uploads.map((u) => u.Key));
  const logs = await s3.send(new ListMultipartUploadsCommand({ Bucket: id, Prefix: 'logs/' }));
  assert.deepEqual(logs.Uploads.map((u) => u.Key), ['logs/a.txt', 'logs/b.txt']);
  const folded = await s3.send(new ListMultipartUploadsCommand({ Bucket: id, Delimiter: '/' }));
  assert.deepEqual((folded.CommonPrefixes ?? []).map((p) => p.Prefix), ['copies/', 'logs/']);
  assert.equal(folded.Uploads ?? undefined, undefined);
  assert.equal(await status(s3.send(new ListMultipartUploadsCommand({ Bucket: `no-such-${run}` }))), '404 NoSuchBucket');

  await s3.send(new CompleteMultipartUploadCommand({
    Bucket: id, Key: 'copies/joined.bin', UploadId,
    MultipartUpload: { Parts: [{ PartNumber: 1, ETag: whole.CopyPartResult.ETag }, { PartNumber: 2, ETag: ranged.CopyPartResult.ETag }] },
  }));
  const got = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: id, Key: 'copies/joined.bin' }))).Body.transformToByteArray());
  assert.ok(Buffer.concat([source, source.subarray(1000, 2000)]).equals(got));
  for (const [i, key] of ['copies/other.bin', 'logs/a.txt', 'logs/b.txt'].entries()) {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: id, Key: key, UploadId: others[i] }));
  }
  assert.equal((await s3.send(new ListMultipartUploadsCommand({ Bucket: id }))).Uploads ?? undefined, undefined);
});

test('revoked access key: refused at once', async () => {
  const other = await admin('POST', `/projects/${projectRef}/storage/s3-access-keys`, {});
  const revoked = client({ credentials: { accessKeyId: other.access_key_id, secretAccessKey: other.secret_access_key } });
  await revoked.send(new ListBucketsCommand({}));
  await admin('DELETE', `/projects/${projectRef}/storage/s3-access-keys/${other.access_key_id}`);
  assert.equal(await status(revoked.send(new ListBucketsCommand({}))), '403 InvalidAccessKeyId');
});
