// Supabase's new API keys end to end: a project's publishable and secret keys made through the admin API
// and used by the real supabase-js for REST, auth, storage, realtime and functions; a secret key refused from
// a browser, a revoked key refused, and the keyless setting.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@supabase/supabase-js';
import { stack } from './stack.mjs';
import { admin, projectSql, waitFor } from './admin.mjs';

const options = { auth: { persistSession: false, autoRefreshToken: false } };
const cli = fileURLToPath(new URL('../MadBase.Cli/bin/Debug/net10.0/madbase.dll', import.meta.url));
const browser = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
let project;
let publishable;
let secret;
const clients = [];

function client(key) {
  const c = createClient(stack.API_URL, key, options);
  clients.push(c);
  return c;
}

async function newKey(type) {
  const key = await admin('POST', `/projects/${project.ref}/api-keys`, { type, name: `e2e ${type}` });
  // Control's change message drops every gateway's cached project; until then a gateway may not know the key.
  await waitFor(async () => {
    const response = await fetch(`${stack.API_URL}/rest/v1/`, { headers: { apikey: key.api_key } });
    return { error: response.ok ? null : response.status };
  });
  return key;
}

before(async () => {
  project = await admin('POST', '/projects', { name: `api keys e2e ${randomBytes(3).toString('hex')}` });
  await projectSql(project, `
    CREATE TABLE public.notes (id serial PRIMARY KEY, body text NOT NULL, owner uuid DEFAULT auth.uid());
    ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
    CREATE POLICY read_all ON public.notes FOR SELECT TO anon, authenticated USING (true);
    CREATE POLICY own_insert ON public.notes FOR INSERT TO authenticated WITH CHECK (owner = auth.uid());
    GRANT SELECT, INSERT ON public.notes TO anon, authenticated, service_role;
    GRANT USAGE ON SEQUENCE public.notes_id_seq TO authenticated, service_role;
    INSERT INTO public.notes (body) VALUES ('hello');
    NOTIFY pgrst, 'reload schema';`);
  publishable = await newKey('publishable');
  secret = await newKey('secret');
  await waitFor(() => client(publishable.api_key).from('notes').select('id'));
});

after(async () => {
  for (const c of clients) await c.removeAllChannels();
});

test('the admin API shows a publishable key in full and a secret key only at its creation', async () => {
  assert.match(publishable.api_key, /^sb_publishable_/);
  assert.match(secret.api_key, /^sb_secret_/);
  const listed = await admin('GET', `/projects/${project.ref}/api-keys`);
  assert.equal(listed.find((k) => k.id === publishable.id).api_key, publishable.api_key);
  const masked = listed.find((k) => k.id === secret.id).api_key;
  assert.notEqual(masked, secret.api_key);
  assert.ok(!masked.includes(secret.api_key.slice(-16)));
});

test('REST and auth with a publishable key: anon reads, a signed-in user writes as themself', async () => {
  const supabase = client(publishable.api_key);
  const read = await supabase.from('notes').select('body');
  assert.equal(read.error, null);
  assert.deepEqual(read.data, [{ body: 'hello' }]);
  const anonInsert = await supabase.from('notes').insert({ body: 'anon' });
  assert.equal(anonInsert.error?.code, '42501');

  const email = `keys-${randomUUID()}@example.com`;
  const signedUp = await supabase.auth.signUp({ email, password: 'secret-123' });
  assert.equal(signedUp.error, null);
  const signedIn = await supabase.auth.signInWithPassword({ email, password: 'secret-123' });
  assert.equal(signedIn.error, null);
  const inserted = await supabase.from('notes').insert({ body: 'mine' }).select('owner').single();
  assert.equal(inserted.error, null);
  assert.equal(inserted.data.owner, signedIn.data.user.id);
  const { data: { user } } = await supabase.auth.getUser();
  assert.equal(user.email, email);
});

test('storage: the secret key administers, the publishable key reads a public object', async () => {
  const bucket = `keys-${randomBytes(3).toString('hex')}`;
  const service = client(secret.api_key);
  assert.equal((await service.storage.createBucket(bucket, { public: true })).error, null);
  assert.equal((await service.storage.from(bucket).upload('a.txt', 'payload', { contentType: 'text/plain' })).error, null);

  // A public bucket's objects are public at their public URL; through the API, reading needs a policy, as on Supabase.
  await projectSql(project, `CREATE POLICY "${bucket} anon read" ON storage.objects FOR SELECT TO anon USING (bucket_id = '${bucket}')`);
  const anon = client(publishable.api_key);
  const downloaded = await anon.storage.from(bucket).download('a.txt');
  assert.equal(downloaded.error, null);
  assert.equal(await downloaded.data.text(), 'payload');
  const refused = await anon.storage.from(bucket).upload('b.txt', 'x');
  assert.ok(refused.error, 'anon may not write without a policy');
});

test('realtime: broadcast with a publishable key', async () => {
  const channel = client(publishable.api_key).channel(`keys-${randomBytes(3).toString('hex')}`, { config: { broadcast: { self: true, ack: true } } });
  await new Promise((resolve, reject) => channel.subscribe((status, err) => {
    if (status === 'SUBSCRIBED') resolve();
    else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') reject(err ?? new Error(status));
  }));
  const received = new Promise((resolve) => channel.on('broadcast', { event: 'ping' }, ({ payload }) => resolve(payload)));
  assert.equal(await channel.send({ type: 'broadcast', event: 'ping', payload: { n: 1 } }), 'ok');
  assert.deepEqual(await received, { n: 1 });
});

test('functions: invoked with a publishable key, the function sees the anon role', async () => {
  const functionsDir = mkdtempSync(join(tmpdir(), 'mbkeys-e2e-'));
  mkdirSync(join(functionsDir, 'keys-whoami'));
  writeFileSync(join(functionsDir, 'keys-whoami', 'index.ts'), `
    Deno.serve((req) => {
      const token = (req.headers.get('Authorization') ?? '').replace('Bearer ', '');
      const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
      return Response.json({ role: claims.role });
    });`);
  execFileSync('dotnet', [cli, 'functions', 'deploy', 'keys-whoami', '--project', project.ref,
    '--data-dir', dirname(stack.MADBASE_STACK_ENV), '--functions-dir', functionsDir], { stdio: 'pipe' });

  const supabase = client(publishable.api_key);
  let result;
  for (let i = 0; i < 50; i++) {
    result = await supabase.functions.invoke('keys-whoami', { body: {} });
    if (result.error?.context?.status !== 404) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(result.error, null, result.error && await result.error.context?.text?.());
  assert.deepEqual(result.data, { role: 'anon' });
});

test('a secret key sent from a browser is refused with Supabase\'s message', async () => {
  const response = await fetch(`${stack.API_URL}/rest/v1/notes`, {
    headers: { apikey: secret.api_key, 'User-Agent': browser, Origin: 'https://app.example.com' },
  });
  assert.equal(response.status, 401);
  assert.equal((await response.json()).error, 'Forbidden use of secret API key in browser');
});

test('a revoked key is refused within seconds', async () => {
  const key = await newKey('publishable');
  await admin('DELETE', `/projects/${project.ref}/api-keys/${key.id}`);
  await waitFor(async () => {
    const response = await fetch(`${stack.API_URL}/rest/v1/notes`, { headers: { apikey: key.api_key } });
    return { error: response.status === 401 ? null : response.status };
  });
  const { error } = await client(key.api_key).from('notes').select('id');
  assert.ok(error, 'the revoked key still read');
});

// fetch drops a Host header, so this one request goes out through node:http: the host names the project.
function getWithHost(path, host) {
  return new Promise((resolve, reject) => {
    const url = new URL(path, stack.API_URL);
    request(url, { headers: { Host: host } }, (response) => {
      let body = '';
      response.on('data', (chunk) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode, body }));
    }).on('error', reject).end();
  });
}

test('keyless: off by default, on lets a request without apikey in as anon', async () => {
  const keyless = () => getWithHost('/rest/v1/notes?select=body&id=eq.1', `${project.ref}.api.example.test`);
  assert.equal((await keyless()).status, 401);
  await admin('PATCH', `/projects/${project.ref}`, { settings: { api: { keyless: true } } });
  await waitFor(async () => ({ error: (await keyless()).status === 200 ? null : 'not yet' }));
  assert.deepEqual(JSON.parse((await keyless()).body), [{ body: 'hello' }]);
});
