// MFA end-to-end: supabase-js's mfa.* calls against /auth/v1/factors, with codes computed as an authenticator
// app does (RFC 6238 over node:crypto, independent of the server's TOTP library); reauthenticate() with
// updateUser({ password, nonce }); and GoTrue's errors for the features MadBase lacks, as auth-js turns them
// into AuthApiErrors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { createClient } from '@supabase/supabase-js';
import { stack } from './stack.mjs';
import { admin, projectSql } from './admin.mjs';

const options = { auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false } };
const unique = (tag) => `${tag}-${Date.now()}-${randomBytes(4).toString('hex')}@example.com`;
const anonClient = () => createClient(stack.API_URL, stack.ANON_KEY, options);

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

// RFC 6238 with RFC 4226's dynamic truncation: SHA-1, 6 digits, 30-second steps.
function totp(secret, at = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

async function signedIn() {
  const supabase = anonClient();
  const { error } = await supabase.auth.signUp({ email: unique('mfa'), password: 'secret-123' });
  assert.equal(error, null);
  return supabase;
}

test('mfa: enroll, challenge, verify raise the session to aal2; listFactors and unenroll follow', async () => {
  const supabase = await signedIn();
  const before = await supabase.auth.mfa.getAuthenticatorAssuranceLevel();
  assert.deepEqual([before.data.currentLevel, before.data.nextLevel], ['aal1', 'aal1']);

  const enrolled = await supabase.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'e2e app', issuer: 'MadBase e2e' });
  assert.equal(enrolled.error, null);
  assert.equal(enrolled.data.type, 'totp');
  assert.ok(enrolled.data.totp.qr_code.startsWith('data:image/svg+xml;utf-8,<svg'));
  assert.match(enrolled.data.totp.uri, /^otpauth:\/\/totp\/MadBase%20e2e:/);
  const factorId = enrolled.data.id;

  const challenge = await supabase.auth.mfa.challenge({ factorId });
  assert.equal(challenge.error, null);
  const wrong = await supabase.auth.mfa.verify({ factorId, challengeId: challenge.data.id, code: totp(enrolled.data.totp.secret) === '000000' ? '111111' : '000000' });
  assert.equal(wrong.error.name, 'AuthApiError');
  assert.equal(wrong.error.code, 'mfa_verification_failed');
  assert.equal(wrong.error.status, 422);

  const verified = await supabase.auth.mfa.verify({ factorId, challengeId: challenge.data.id, code: totp(enrolled.data.totp.secret) });
  assert.equal(verified.error, null);
  const after = await supabase.auth.mfa.getAuthenticatorAssuranceLevel();
  assert.deepEqual([after.data.currentLevel, after.data.nextLevel], ['aal2', 'aal2']);
  assert.equal(after.data.currentAuthenticationMethods[0].method, 'totp');

  const listed = await supabase.auth.mfa.listFactors();
  assert.equal(listed.error, null);
  assert.deepEqual(listed.data.totp.map((f) => [f.id, f.status, f.friendly_name]), [[factorId, 'verified', 'e2e app']]);

  // A refreshed session keeps aal2.
  const refreshed = await supabase.auth.refreshSession();
  assert.equal(refreshed.error, null);
  assert.equal((await supabase.auth.mfa.getAuthenticatorAssuranceLevel()).data.currentLevel, 'aal2');

  // A second sign-in is aal1 with aal2 to reach, and may not remove the verified factor.
  const other = anonClient();
  assert.equal((await other.auth.signInWithPassword({ email: (await supabase.auth.getUser()).data.user.email, password: 'secret-123' })).error, null);
  const otherLevel = await other.auth.mfa.getAuthenticatorAssuranceLevel();
  assert.deepEqual([otherLevel.data.currentLevel, otherLevel.data.nextLevel], ['aal1', 'aal2']);
  const refused = await other.auth.mfa.unenroll({ factorId });
  assert.equal(refused.error.code, 'insufficient_aal');

  const removed = await supabase.auth.mfa.unenroll({ factorId });
  assert.equal(removed.error, null);
  assert.equal(removed.data.id, factorId);
  assert.equal((await supabase.auth.refreshSession()).error, null);
  const last = await supabase.auth.mfa.getAuthenticatorAssuranceLevel();
  assert.deepEqual([last.data.currentLevel, last.data.nextLevel], ['aal1', 'aal1']);
  assert.deepEqual((await supabase.auth.mfa.listFactors()).data.all, []);
});

test('mfa: challengeAndVerify, and the admin API lists and deletes a user factor', async () => {
  const supabase = await signedIn();
  const enrolled = await supabase.auth.mfa.enroll({ factorType: 'totp' });
  assert.equal(enrolled.error, null);
  const done = await supabase.auth.mfa.challengeAndVerify({ factorId: enrolled.data.id, code: totp(enrolled.data.totp.secret) });
  assert.equal(done.error, null);
  assert.equal(done.data.user.factors[0].status, 'verified');

  const service = createClient(stack.API_URL, stack.SERVICE_ROLE_KEY, options);
  const userId = done.data.user.id;
  const listed = await service.auth.admin.mfa.listFactors({ userId });
  assert.equal(listed.error, null);
  assert.deepEqual(listed.data.factors.map((f) => f.id), [enrolled.data.id]);
  const deleted = await service.auth.admin.mfa.deleteFactor({ userId, id: enrolled.data.id });
  assert.equal(deleted.error, null);
  // auth-js 2.119 wraps the deleted factor once more ({ data: { data: factor } }), as it does against GoTrue.
  assert.equal(deleted.data.data.id, enrolled.data.id);
  assert.deepEqual((await service.auth.admin.mfa.listFactors({ userId })).data.factors, []);
});

test('mfa: a phone factor is refused with GoTrue\'s error (no SMS sender)', async () => {
  const supabase = await signedIn();
  const { error } = await supabase.auth.mfa.enroll({ factorType: 'phone', phone: '+15555550100' });
  assert.equal(error.name, 'AuthApiError');
  assert.equal(error.code, 'mfa_phone_enroll_not_enabled');
  assert.equal(error.status, 422);
});

test('features MadBase lacks answer GoTrue\'s errors, which auth-js surfaces as AuthApiErrors', async () => {
  const supabase = anonClient();
  const sso = await supabase.auth.signInWithSSO({ domain: 'example.com' });
  assert.equal(sso.error.name, 'AuthApiError');
  assert.equal(sso.error.code, 'saml_provider_disabled');
  assert.equal(sso.error.message, 'SAML 2.0 is disabled');
  assert.equal(sso.error.status, 404);

  const idToken = await supabase.auth.signInWithIdToken({ provider: 'google', token: 'x.y.z' });
  assert.equal(idToken.error.name, 'AuthApiError');
  assert.equal(idToken.error.code, 'provider_disabled');
  assert.equal(idToken.error.status, 400);

  const service = createClient(stack.API_URL, stack.SERVICE_ROLE_KEY, options);
  const page = await service.auth.admin.listUsers({ page: -1 });
  assert.equal(page.error.code, 'validation_failed');
  assert.equal(page.error.status, 400);
});

test('reauthenticate: an old session sets a new password only with the mailed nonce', async () => {
  const project = await admin('POST', '/projects', {
    name: `reauth e2e ${randomBytes(3).toString('hex')}`,
    settings: { auth: { security_update_password_require_reauthentication: true } },
  });
  const supabase = createClient(stack.API_URL, project.anon_key, options);
  const email = unique('reauth');
  const { data, error } = await supabase.auth.signUp({ email, password: 'secret-123' });
  assert.equal(error, null);
  const sessionId = JSON.parse(Buffer.from(data.session.access_token.split('.')[1], 'base64url').toString()).session_id;
  assert.match(sessionId, /^[0-9a-f-]{36}$/);
  await projectSql(project, `UPDATE auth.sessions SET created_at = now() - interval '25 hours' WHERE id = '${sessionId}'`);

  const refused = await supabase.auth.updateUser({ password: 'new-secret-1' });
  assert.equal(refused.error.code, 'reauthentication_needed');
  assert.equal((await supabase.auth.reauthenticate()).error, null);
  const mails = await admin('GET', `/projects/${project.ref}/mail?to=${encodeURIComponent(email)}`);
  assert.equal(mails[0].kind, 'reauthentication');
  const updated = await supabase.auth.updateUser({ password: 'new-secret-1', nonce: mails[0].otp });
  assert.equal(updated.error, null);
  assert.equal((await anonClientOf(project).auth.signInWithPassword({ email, password: 'new-secret-1' })).error, null);
});

function anonClientOf(project) {
  return createClient(stack.API_URL, project.anon_key, options);
}
