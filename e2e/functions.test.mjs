// Edge Functions with the real supabase-js: functions.invoke() with each body kind, the three error classes
// where Supabase raises them, and a function that itself uses supabase-js with the keys MadBase injects.
// Functions are deployed with `madbase functions deploy`, as a developer would.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, FunctionsHttpError, FunctionsRelayError, FunctionsFetchError } from '@supabase/supabase-js';
import { stack } from './stack.mjs';

const cli = fileURLToPath(new URL('../MadBase.Cli/bin/Debug/net10.0/madbase.dll', import.meta.url));
const functionsDir = mkdtempSync(join(tmpdir(), 'mbfn-e2e-'));
const supabase = createClient(stack.API_URL, stack.ANON_KEY);

const sources = {
  'e2e-echo': `
    Deno.serve(async (req) => {
      const type = req.headers.get('content-type') ?? '';
      let body;
      if (type.startsWith('application/json')) body = await req.json();
      else if (type.startsWith('multipart/form-data')) body = Object.fromEntries((await req.formData()).entries());
      else if (type.startsWith('application/octet-stream')) body = (await req.arrayBuffer()).byteLength;
      else body = await req.text();
      if (body?.fail) return Response.json({ reason: 'asked to fail' }, { status: 400 });
      return Response.json({ method: req.method, type, body, region: req.headers.get('x-region') });
    });`,
  'e2e-broken': `throw new Error('fails at import');`,
  'e2e-client': `
    import { createClient } from 'npm:@supabase/supabase-js@2.119.1';
    Deno.serve(async (req) => {
      const admin = createClient(Deno.env.get('SUPABASE_URL'), Deno.env.get('SUPABASE_SERVICE_ROLE_KEY'));
      const email = 'fn-' + crypto.randomUUID() + '@example.com';
      const { data, error } = await admin.auth.admin.createUser({ email, password: 'a-long-password-1', email_confirm: true });
      if (error) return Response.json({ error: error.message }, { status: 500 });
      const caller = createClient(Deno.env.get('SUPABASE_URL'), Deno.env.get('SUPABASE_ANON_KEY'), {
        global: { headers: { Authorization: req.headers.get('Authorization') } },
      });
      const { data: me } = await caller.auth.getUser();
      return Response.json({ created: data.user.email === email, caller: me?.user?.id ?? null });
    });`,
};

function deploy(name, ...flags) {
  execFileSync('dotnet', [cli, 'functions', 'deploy', name, '--data-dir', dirname(stack.MADBASE_STACK_ENV),
    '--functions-dir', functionsDir, ...flags], { stdio: 'pipe' });
}

before(() => {
  for (const [name, source] of Object.entries(sources)) {
    mkdirSync(join(functionsDir, name));
    writeFileSync(join(functionsDir, name, 'index.ts'), source);
    deploy(name);
  }
});

// A deploy reaches every worker with Control's change message; until then a worker may answer 404.
async function invoke(name, options) {
  for (let i = 0; ; i++) {
    const result = await supabase.functions.invoke(name, options);
    if (!(result.error instanceof FunctionsHttpError && result.error.context.status === 404) || i > 50) return result;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('functions.invoke sends JSON, text, binary and form bodies as supabase-js encodes them', async () => {
  let { data, error } = await invoke('e2e-echo', { body: { hello: 'json' } });
  assert.equal(error, null);
  assert.deepEqual(data.body, { hello: 'json' });
  assert.equal(data.method, 'POST');

  ({ data, error } = await invoke('e2e-echo', { body: 'plain text' }));
  assert.equal(error, null);
  assert.equal(data.body, 'plain text');
  assert.match(data.type, /^text\/plain/);

  ({ data, error } = await invoke('e2e-echo', { body: new Blob([new Uint8Array(1000)]) }));
  assert.equal(error, null);
  assert.equal(data.body, 1000);

  ({ data, error } = await invoke('e2e-echo', { body: new Uint8Array(123).buffer }));
  assert.equal(error, null);
  assert.equal(data.body, 123);

  const form = new FormData();
  form.append('field', 'value');
  ({ data, error } = await invoke('e2e-echo', { body: form }));
  assert.equal(error, null);
  assert.deepEqual(data.body, { field: 'value' });

  ({ data, error } = await invoke('e2e-echo', { method: 'GET', region: 'eu-west-1' }));
  assert.equal(error, null);
  assert.equal(data.method, 'GET');
  assert.equal(data.region, 'eu-west-1');
});

test('errors: the function\'s own status, the relay\'s, and the network\'s', async () => {
  let { error } = await invoke('e2e-echo', { body: { fail: true } });
  assert.ok(error instanceof FunctionsHttpError, String(error));
  assert.equal(error.context.status, 400);
  assert.deepEqual(await error.context.json(), { reason: 'asked to fail' });

  ({ error } = await invoke('e2e-broken', { body: {} }));
  assert.ok(error instanceof FunctionsRelayError, String(error));

  ({ error } = await supabase.functions.invoke('never-deployed'));
  assert.ok(error instanceof FunctionsHttpError);
  assert.equal(error.context.status, 404);

  const unreachable = createClient('http://127.0.0.1:9', stack.ANON_KEY);
  ({ error } = await unreachable.functions.invoke('e2e-echo'));
  assert.ok(error instanceof FunctionsFetchError, String(error));
});

test('a function uses supabase-js against its project with the injected keys', async () => {
  const { data, error } = await invoke('e2e-client', { body: {} });
  assert.equal(error, null, error && await error.context?.text?.());
  assert.equal(data.created, true);
  assert.equal(data.caller, null); // called with the anon key: no user
});
