// OAuth end to end: supabase-js's signInWithOAuth (PKCE), exchangeCodeForSession, linkIdentity and
// unlinkIdentity against a project whose `oidc` provider is a real OpenID Connect provider on loopback
// (tools/oidc-provider, npm oidc-provider). A cookie-keeping fetch plays the browser between the two.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createClient } from '@supabase/supabase-js';
import { stack } from './stack.mjs';
import { admin, waitFor } from './admin.mjs';

const app = 'http://127.0.0.1:3000/app';
const unique = (tag) => `${tag}-${Date.now()}-${randomBytes(4).toString('hex')}@example.com`;
let provider;
let issuer;
let project;

before(async () => {
  provider = spawn(process.execPath, ['start.mjs'], { cwd: fileURLToPath(new URL('../tools/oidc-provider/', import.meta.url)) });
  issuer = await new Promise((resolve, reject) => {
    let output = '';
    provider.stdout.on('data', (chunk) => {
      output += chunk;
      const line = output.split('\n').find((l) => l.startsWith('{"issuer"'));
      if (line) resolve(JSON.parse(line).issuer);
    });
    provider.on('exit', (code) => reject(new Error(`the OIDC provider exited (${code}); run (cd tools/oidc-provider && npm ci)`)));
  });

  project = await admin('POST', '/projects', {
    name: `oauth e2e ${randomBytes(3).toString('hex')}`,
    settings: { auth: { security_manual_linking_enabled: true } },
  });
  const callback = `${stack.API_URL}/auth/v1/callback?apikey=${project.anon_key}`;
  const registered = await (await fetch(`${issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [callback], token_endpoint_auth_method: 'client_secret_post' }),
  })).json();
  await admin('PATCH', `/projects/${project.ref}`, {
    settings: {
      auth: {
        external: {
          oidc: { enabled: true, client_id: registered.client_id, secret: registered.client_secret, url: issuer, redirect_uri: callback },
        },
      },
    },
  });
  await waitFor(async () => {
    const settings = await (await fetch(`${stack.API_URL}/auth/v1/settings`, { headers: { apikey: project.anon_key } })).json();
    return { error: settings.external.oidc ? null : 'not yet' };
  });
});

after(() => provider?.kill());

const client = () =>
  createClient(stack.API_URL, project.anon_key, { auth: { flowType: 'pkce', persistSession: false, autoRefreshToken: false, detectSessionInUrl: false } });

// Follows redirects as a browser, keeping the provider's cookies and logging in at its interaction page;
// returns the app URL MadBase finally redirects to. A browser reaches a project by its own host name
// (<ref>.api.example.com); on the local stack's one address the apikey in the query names it instead.
async function browse(start, account) {
  const cookies = new Map();
  let url = new URL(start);
  for (let hop = 0; hop < 12; hop++) {
    if (url.origin === new URL(stack.API_URL).origin && !url.searchParams.has('apikey')) url.searchParams.set('apikey', project.anon_key);
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const at = pair.indexOf('=');
      cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    assert.ok(response.status >= 300 && response.status < 400, `${url} answered ${response.status}: ${await response.text()}`);
    url = new URL(response.headers.get('location'), url);
    if (url.origin === issuer && url.pathname.startsWith('/interaction/')) {
      url.search = new URLSearchParams({ sub: account.sub, email: account.email, email_verified: 'true', name: 'E2E User' }).toString();
    } else if (url.origin !== issuer && !url.pathname.endsWith('/auth/v1/callback')) {
      return url;
    }
  }
  throw new Error(`too many redirects from ${start}`);
}

test('signInWithOAuth (PKCE) through the OIDC provider, then exchangeCodeForSession', async () => {
  const supabase = client();
  const account = { sub: `e2e-${randomBytes(6).toString('hex')}`, email: unique('oauth') };

  const { data, error } = await supabase.auth.signInWithOAuth({ provider: 'oidc', options: { redirectTo: app, skipBrowserRedirect: true } });
  assert.equal(error, null);
  assert.match(data.url, /code_challenge=/);
  const landed = await browse(data.url, account);
  assert.equal(`${landed.origin}${landed.pathname}`, app);

  const exchanged = await supabase.auth.exchangeCodeForSession(landed.searchParams.get('code'));
  assert.equal(exchanged.error, null);
  assert.equal(exchanged.data.user.email, account.email);
  const { data: identities } = await supabase.auth.getUserIdentities();
  assert.deepEqual(identities.identities.map((i) => [i.provider, i.id]), [['oidc', account.sub]]);
});

test('linkIdentity adds the provider identity; unlinkIdentity removes one but never the last', async () => {
  const supabase = client();
  const email = unique('link');
  assert.equal((await supabase.auth.signUp({ email, password: 'secret-123' })).error, null);
  const account = { sub: `e2e-${randomBytes(6).toString('hex')}`, email: unique('elsewhere') };

  const { data, error } = await supabase.auth.linkIdentity({ provider: 'oidc', options: { redirectTo: app, skipBrowserRedirect: true } });
  assert.equal(error, null);
  const landed = await browse(data.url, account);
  assert.equal((await supabase.auth.exchangeCodeForSession(landed.searchParams.get('code'))).error, null);

  const linked = (await supabase.auth.getUserIdentities()).data.identities;
  assert.deepEqual(linked.map((i) => i.provider).sort(), ['email', 'oidc']);
  const emailIdentity = linked.find((i) => i.provider === 'email');
  assert.equal((await supabase.auth.unlinkIdentity(emailIdentity)).error, null);

  const left = (await supabase.auth.getUserIdentities()).data.identities;
  assert.deepEqual(left.map((i) => i.provider), ['oidc']);
  const last = await supabase.auth.unlinkIdentity(left[0]);
  assert.equal(last.error?.code, 'single_identity_not_deletable');
});
