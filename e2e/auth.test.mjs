// Auth end-to-end: the real supabase-js auth client against /auth/v1, unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createClient } from '@supabase/supabase-js';
import { stack } from './stack.mjs';
import { admin } from './admin.mjs';

const options = { auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false } };
const unique = (tag) => `${tag}-${Date.now()}-${randomBytes(4).toString('hex')}@example.com`;
const anonClient = () => createClient(stack.API_URL, stack.ANON_KEY, options);

// A project of this file's own, for settings the default stack does not have (anonymous sign-ins).
async function ownProject(settings) {
  const created = await admin('POST', '/projects', { name: `auth e2e ${randomBytes(3).toString('hex')}`, settings });
  return created;
}

async function latestMail(projectRef, to) {
  for (let i = 0; i < 50; i++) {
    const mails = await admin('GET', `/projects/${projectRef}/mail?to=${encodeURIComponent(to)}`);
    if (mails.length > 0) return mails[0];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail for ${to}`);
}

test('signUp with autoconfirm returns a session whose JWT carries GoTrue claims', async () => {
  const supabase = anonClient();
  const email = unique('signup');
  const { data, error } = await supabase.auth.signUp({ email, password: 'secret-123', options: { data: { name: 'Ann' } } });
  assert.equal(error, null);
  assert.equal(data.user.email, email);
  assert.equal(data.user.user_metadata.name, 'Ann');
  assert.deepEqual(data.user.app_metadata, { provider: 'email', providers: ['email'] });
  assert.equal(data.session.token_type, 'bearer');
  assert.equal(data.session.expires_in, 3600);
  const claims = JSON.parse(Buffer.from(data.session.access_token.split('.')[1], 'base64url').toString());
  assert.equal(claims.sub, data.user.id);
  assert.equal(claims.role, 'authenticated');
  assert.equal(claims.aud, 'authenticated');
  assert.equal(claims.aal, 'aal1');
  assert.equal(claims.is_anonymous, false);
  assert.equal(typeof claims.session_id, 'string');
  assert.equal(claims.amr[0].method, 'password');
});

test('signUp twice and weak passwords surface GoTrue error codes', async () => {
  const supabase = anonClient();
  const email = unique('dup');
  assert.equal((await supabase.auth.signUp({ email, password: 'secret-123' })).error, null);
  const again = await supabase.auth.signUp({ email, password: 'secret-123' });
  assert.equal(again.error.code, 'user_already_exists');
  assert.equal(again.error.status, 422);
  const weak = await supabase.auth.signUp({ email: unique('weak'), password: '123' });
  assert.equal(weak.error.code, 'weak_password');
  assert.equal(weak.error.name, 'AuthWeakPasswordError');
  assert.deepEqual(weak.error.reasons, ['length']);
});

test('signInWithPassword, getUser, updateUser, refreshSession and signOut work as with Supabase', async () => {
  const email = unique('flow');
  await anonClient().auth.signUp({ email, password: 'secret-123' });
  const supabase = anonClient();
  const wrong = await supabase.auth.signInWithPassword({ email, password: 'nope-nope' });
  assert.equal(wrong.error.code, 'invalid_credentials');
  assert.equal(wrong.error.message, 'Invalid login credentials');

  const { data: signedIn, error } = await supabase.auth.signInWithPassword({ email, password: 'secret-123' });
  assert.equal(error, null);
  const { data: got } = await supabase.auth.getUser();
  assert.equal(got.user.id, signedIn.user.id);

  const updated = await supabase.auth.updateUser({ data: { plan: 'pro' } });
  assert.equal(updated.error, null);
  assert.equal(updated.data.user.user_metadata.plan, 'pro');

  const refreshed = await supabase.auth.refreshSession();
  assert.equal(refreshed.error, null);
  assert.notEqual(refreshed.data.session.refresh_token, signedIn.session.refresh_token);
  assert.equal(refreshed.data.session.user.user_metadata.plan, 'pro');

  const changed = await supabase.auth.updateUser({ password: 'another-456' });
  assert.equal(changed.error, null);
  assert.equal((await anonClient().auth.signInWithPassword({ email, password: 'secret-123' })).error.code, 'invalid_credentials');
  assert.equal((await anonClient().auth.signInWithPassword({ email, password: 'another-456' })).error, null);

  const token = refreshed.data.session.access_token;
  assert.equal((await supabase.auth.signOut()).error, null);
  // auth-js turns GoTrue's 403 session_not_found into AuthSessionMissingError.
  const after = await anonClient().auth.getUser(token);
  assert.equal(after.error.name, 'AuthSessionMissingError');
  const raw = await fetch(`${stack.API_URL}/auth/v1/user`, { headers: { apikey: stack.ANON_KEY, Authorization: `Bearer ${token}` } });
  assert.equal(raw.status, 403);
  assert.equal(raw.headers.get('x-sb-error-code'), 'session_not_found');
});

test('a refresh token replayed after the reuse interval fails, the one just rotated is still honoured', async () => {
  const email = unique('rotate');
  const { data } = await anonClient().auth.signUp({ email, password: 'secret-123' });
  const first = data.session.refresh_token;
  const supabase = anonClient();
  const a = await supabase.auth.refreshSession({ refresh_token: first });
  assert.equal(a.error, null);
  // Within the interval, the parent of the active token gives the active one back.
  const b = await anonClient().auth.refreshSession({ refresh_token: first });
  assert.equal(b.error, null);
  assert.equal(b.data.session.refresh_token, a.data.session.refresh_token);
  const unknown = await anonClient().auth.refreshSession({ refresh_token: 'not-a-token' });
  assert.equal(unknown.error.code, 'refresh_token_not_found');
});

test('admin API: createUser, listUsers, getUserById, updateUserById, deleteUser; anon is refused', async () => {
  const service = createClient(stack.API_URL, stack.SERVICE_ROLE_KEY, options);
  const email = unique('admin');
  const created = await service.auth.admin.createUser({ email, password: 'secret-123', email_confirm: true, user_metadata: { a: 1 } });
  assert.equal(created.error, null);
  const id = created.data.user.id;
  assert.ok(created.data.user.email_confirmed_at);

  const list = await service.auth.admin.listUsers({ page: 1, perPage: 2 });
  assert.equal(list.error, null);
  assert.ok(list.data.users.length <= 2);
  assert.ok(list.data.total >= 1);

  const got = await service.auth.admin.getUserById(id);
  assert.equal(got.data.user.email, email);
  const updated = await service.auth.admin.updateUserById(id, { app_metadata: { tier: 'gold' } });
  assert.equal(updated.data.user.app_metadata.tier, 'gold');
  assert.equal((await anonClient().auth.signInWithPassword({ email, password: 'secret-123' })).error, null);

  const refused = await anonClient().auth.admin.listUsers();
  assert.equal(refused.error.code, 'not_admin');

  assert.equal((await service.auth.admin.deleteUser(id)).error, null);
  assert.equal((await service.auth.admin.getUserById(id)).error.code, 'user_not_found');
});

test('resetPasswordForEmail then verifyOtp with the mailed code signs in (mail read from the catcher)', async () => {
  const email = unique('recover');
  await anonClient().auth.signUp({ email, password: 'secret-123' });
  const supabase = anonClient();
  assert.equal((await supabase.auth.resetPasswordForEmail(email)).error, null);
  const mail = await latestMail('default', email);
  assert.equal(mail.kind, 'recovery');
  const { data, error } = await supabase.auth.verifyOtp({ email, token: mail.otp, type: 'recovery' });
  assert.equal(error, null);
  assert.equal(data.user.email, email);
  assert.equal((await supabase.auth.updateUser({ password: 'brand-new-789' })).error, null);
  assert.equal((await anonClient().auth.signInWithPassword({ email, password: 'brand-new-789' })).error, null);
  const reused = await anonClient().auth.verifyOtp({ email, token: mail.otp, type: 'recovery' });
  assert.equal(reused.error.code, 'otp_expired');
});

test('signInWithOtp mails a code that verifyOtp(type email) accepts, for new and existing users', async () => {
  const email = unique('otp');
  const supabase = anonClient();
  assert.equal((await supabase.auth.signInWithOtp({ email })).error, null);
  const mail = await latestMail('default', email);
  const { data, error } = await supabase.auth.verifyOtp({ email, token: mail.otp, type: 'email' });
  assert.equal(error, null);
  assert.ok(data.session.access_token);
  assert.ok(data.user.email_confirmed_at);
  const noCreate = await anonClient().auth.signInWithOtp({ email: unique('nocreate'), options: { shouldCreateUser: false } });
  assert.equal(noCreate.error.code, 'otp_disabled');
});

test('PKCE: a magic link redirects with ?code= and exchangeCodeForSession trades it for a session', async () => {
  const email = unique('pkce');
  await anonClient().auth.signUp({ email, password: 'secret-123' });
  const storage = new Map();
  const supabase = createClient(stack.API_URL, stack.ANON_KEY, {
    auth: {
      ...options.auth,
      flowType: 'pkce',
      storage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => storage.set(k, v), removeItem: (k) => storage.delete(k) },
    },
  });
  assert.equal((await supabase.auth.signInWithOtp({ email })).error, null);
  const mail = await latestMail('default', email);
  assert.match(mail.link, /token=pkce_/);
  const redirect = await fetch(mail.link.replace('http://127.0.0.1:8000', stack.API_URL), { redirect: 'manual' });
  assert.equal(redirect.status, 303);
  const code = new URL(redirect.headers.get('location')).searchParams.get('code');
  assert.ok(code);
  const { data, error } = await supabase.auth.exchangeCodeForSession(code);
  assert.equal(error, null);
  assert.equal(data.user.email, email);
});

test('signInAnonymously works where the project enables it and is refused where it does not', async () => {
  const refused = await anonClient().auth.signInAnonymously();
  assert.equal(refused.error.code, 'anonymous_provider_disabled');
  const project = await ownProject({ auth: { anonymous_sign_ins: true } });
  const supabase = createClient(stack.API_URL, project.anon_key, options);
  const { data, error } = await supabase.auth.signInAnonymously();
  assert.equal(error, null);
  assert.equal(data.user.is_anonymous, true);
  const claims = JSON.parse(Buffer.from(data.session.access_token.split('.')[1], 'base64url').toString());
  assert.equal(claims.is_anonymous, true);
  assert.equal(claims.amr[0].method, 'anonymous');
});

// Mails to one address, newest first, waiting until there are at least `count`.
async function mails(projectRef, to, count) {
  for (let i = 0; i < 50; i++) {
    const found = await admin('GET', `/projects/${projectRef}/mail?to=${encodeURIComponent(to)}`);
    if (found.length >= count) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`fewer than ${count} mails for ${to}`);
}

// A confirmed user of `project` signed in on a fresh client.
async function confirmedUser(project, tag) {
  const supabase = createClient(stack.API_URL, project.anon_key, options);
  const email = unique(tag);
  assert.equal((await supabase.auth.signUp({ email, password: 'secret-123' })).error, null);
  const confirmation = await latestMail(project.ref, email);
  const { error } = await supabase.auth.verifyOtp({ email, token: confirmation.otp, type: 'signup' });
  assert.equal(error, null);
  return { supabase, email };
}

test('updateUser email with secure email change: verifyOtp(email_change) from both addresses, applied after the second', async () => {
  const project = await ownProject({ auth: { autoconfirm: false } });
  const { supabase, email } = await confirmedUser(project, 'change');
  const newEmail = unique('changed');

  const { data: requested, error } = await supabase.auth.updateUser({ email: newEmail });
  assert.equal(error, null);
  assert.equal(requested.user.email, email);
  assert.equal(requested.user.new_email, newEmail);
  const [toCurrent] = await mails(project.ref, email, 2);
  const [toNew] = await mails(project.ref, newEmail, 1);
  assert.equal(toCurrent.kind, 'email_change');
  assert.equal(toNew.kind, 'email_change');

  // The first confirmation answers GoTrue's {msg, code}, which auth-js turns into no user, no session and no error.
  const first = await supabase.auth.verifyOtp({ email, token: toCurrent.otp, type: 'email_change' });
  assert.equal(first.error, null);
  assert.equal(first.data.session, null);
  assert.equal(first.data.user, null);
  assert.equal((await supabase.auth.getUser()).data.user.email, email);

  const second = await supabase.auth.verifyOtp({ email: newEmail, token: toNew.otp, type: 'email_change' });
  assert.equal(second.error, null);
  assert.equal(second.data.user.email, newEmail);
  assert.ok(second.data.session.access_token);
  const signedIn = await createClient(stack.API_URL, project.anon_key, options).auth.signInWithPassword({ email: newEmail, password: 'secret-123' });
  assert.equal(signedIn.error, null);
});

test('updateUser email without secure email change: one mail to the new address, its code applies the change', async () => {
  const project = await ownProject({ auth: { autoconfirm: false, mailer_secure_email_change_enabled: false } });
  const { supabase, email } = await confirmedUser(project, 'single');
  const newEmail = unique('single-new');

  assert.equal((await supabase.auth.updateUser({ email: newEmail })).error, null);
  const [toNew] = await mails(project.ref, newEmail, 1);
  assert.equal((await mails(project.ref, email, 1)).length, 1); // only the signup confirmation
  const { data, error } = await supabase.auth.verifyOtp({ email: newEmail, token: toNew.otp, type: 'email_change' });
  assert.equal(error, null);
  assert.equal(data.user.email, newEmail);
});

for (const algorithm of ['RS256', 'ES256']) {
  test(`an ${algorithm} project: getClaims verifies the session token against the JWKS, REST accepts it`, async () => {
    const project = await ownProject({ auth: { jwt_signing: { algorithm } } });
    const supabase = createClient(stack.API_URL, project.anon_key, options);
    const { data: signedUp, error } = await supabase.auth.signUp({ email: unique('jwks'), password: 'secret-123' });
    assert.equal(error, null);
    const header = JSON.parse(Buffer.from(signedUp.session.access_token.split('.')[0], 'base64url').toString());
    assert.equal(header.alg, algorithm);

    const jwks = await (await fetch(`${stack.API_URL}/auth/v1/.well-known/jwks.json`, { headers: { apikey: project.anon_key } })).json();
    assert.deepEqual(jwks.keys.map((k) => k.kid), [header.kid]);
    const { data: verified, error: claimsError } = await supabase.auth.getClaims();
    assert.equal(claimsError, null);
    assert.equal(verified.claims.sub, signedUp.user.id);
    assert.equal(verified.header.kid, header.kid);

    // A token whose signature does not match is refused by getClaims itself, without asking the server.
    const [h, , signature] = signedUp.session.access_token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...verified.claims, role: 'service_role' })).toString('base64url');
    const forgedToken = `${h}.${forgedPayload}.${signature}`;
    const forged = await supabase.auth.getClaims(forgedToken);
    assert.equal(forged.error.name, 'AuthInvalidJwtError');

    const rest = await supabase.from('nothing_here').select();
    assert.equal(rest.error.code, 'PGRST205'); // the token passed; only the table is missing
    const bad = await fetch(`${stack.API_URL}/rest/v1/`, { headers: { apikey: project.anon_key, Authorization: `Bearer ${forgedToken}` } });
    assert.equal(bad.status, 401);
    assert.equal((await bad.json()).code, 'PGRST301');
  });
}
