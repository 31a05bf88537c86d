// Passkeys and WebAuthn MFA factors in a real headless Chromium: supabase-js (its UMD build) on a page at
// http://localhost:<port> (a secure context, and the project's relying party: site URL, hence RP ID localhost
// and that origin), with a virtual authenticator from the DevTools WebAuthn domain answering the ceremonies.
// Nothing on the server side is stubbed: the browser's own attestation and assertions reach the verification.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { stack } from './stack.mjs';
import { admin } from './admin.mjs';
import { servePage } from './page-server.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let server, browser, page, cdp, authenticatorId, project;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  server = await servePage();
  const origin = `http://localhost:${server.port}`;
  project = await admin('POST', '/projects', {
    name: `passkeys e2e ${randomBytes(3).toString('hex')}`,
    settings: {
      auth: { site_url: origin, passkey: { enabled: true }, mfa: { web_authn: { enroll_enabled: true, verify_enabled: true } } },
    },
  });

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  page = await browser.newPage();
  await page.goto(`${origin}/`);
  cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true,
    },
  }));
  await page.evaluate(({ url, key }) => {
    window.client = window.supabase.createClient(url, key, { auth: { persistSession: false, autoRefreshToken: false } });
    window.claims = (jwt) => JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    window.outcome = ({ data, error }) => ({ data, error: error ? { name: error.name, code: error.code, status: error.status, message: error.message } : null });
  }, { url: stack.API_URL, key: project.anon_key });
});

after(async () => {
  await browser?.close();
  server?.close();
  if (project) await admin('DELETE', `/projects/${project.ref}?confirm=${project.ref}`);
});

const inPage = (fn, arg) => page.evaluate(fn, arg);

test('passkeys: register after sign-up, list and rename, sign out, sign in with the passkey', async () => {
  const email = `passkey-${Date.now()}-${randomBytes(4).toString('hex')}@example.com`;
  const signedUp = await inPage(async (email) => outcome(await client.auth.signUp({ email, password: 'secret-123' })), email);
  assert.equal(signedUp.error, null);
  const userId = signedUp.data.user.id;

  const registered = await inPage(async () => outcome(await client.auth.registerPasskey()));
  assert.equal(registered.error, null, JSON.stringify(registered.error));
  assert.equal(registered.data.friendly_name, 'Passkey');
  const passkeyId = registered.data.id;

  // The browser's authenticator now holds a discoverable credential for RP ID localhost, owned by the user.
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  const resident = credentials.filter((c) => c.isResidentCredential);
  assert.equal(resident.length, 1);
  assert.equal(resident[0].rpId, 'localhost');
  assert.equal(Buffer.from(resident[0].userHandle, 'base64').toString(), userId);

  const listed = await inPage(async () => outcome(await client.auth.passkey.list()));
  assert.deepEqual(listed.data.map((p) => [p.id, p.friendly_name, p.last_used_at]), [[passkeyId, 'Passkey', undefined]]);
  const renamed = await inPage(async (passkeyId) => outcome(await client.auth.passkey.update({ passkeyId, friendlyName: 'laptop' })), passkeyId);
  assert.equal(renamed.data.friendly_name, 'laptop');

  assert.equal((await inPage(async () => outcome(await client.auth.signOut()))).error, null);
  const signedIn = await inPage(async () => {
    const result = outcome(await client.auth.signInWithPasskey());
    const { data } = await client.auth.getSession();
    return { ...result, claims: data.session ? claims(data.session.access_token) : null };
  });
  assert.equal(signedIn.error, null, JSON.stringify(signedIn.error));
  assert.equal(signedIn.claims.sub, userId);
  assert.equal(signedIn.claims.aal, 'aal1');
  assert.deepEqual(signedIn.claims.amr.map((a) => a.method), ['passkey']);
  const used = await inPage(async () => outcome(await client.auth.passkey.list()));
  assert.equal(used.data[0].friendly_name, 'laptop');
  assert.ok(used.data[0].last_used_at, 'a sign-in records when the passkey was used');

  // The admin API sees the same passkey.
  const service = await adminPasskeys(userId);
  assert.deepEqual(service.map((p) => p.id), [passkeyId]);

  // The next test's sign-ins must find only its own user's passkey in the authenticator.
  await cdp.send('WebAuthn.clearCredentials', { authenticatorId });
});

test('WebAuthn MFA: a factor registered in the browser reaches aal2, then guards passkey deletion', async () => {
  const email = `webauthn-mfa-${Date.now()}-${randomBytes(4).toString('hex')}@example.com`;
  await inPage(async () => client.auth.signOut());
  const signedUp = await inPage(async (email) => outcome(await client.auth.signUp({ email, password: 'secret-123' })), email);
  assert.equal(signedUp.error, null);
  assert.equal((await inPage(async () => outcome(await client.auth.registerPasskey()))).error, null);

  // auth-js asks for a cross-platform authenticator with direct attestation for a WebAuthn factor: a security key.
  const { authenticatorId: securityKey } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'usb', hasResidentKey: false, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true,
    },
  });
  const factor = await inPage(async () => {
    const result = outcome(await client.auth.mfa.webauthn.register({ friendlyName: 'security key' }));
    return { ...result, aal: (await client.auth.mfa.getAuthenticatorAssuranceLevel()).data };
  });
  assert.equal(factor.error, null, JSON.stringify(factor.error));
  assert.equal(factor.aal.currentLevel, 'aal2');
  assert.equal(factor.aal.currentAuthenticationMethods[0].method, 'mfa/webauthn');
  const factors = await inPage(async () => outcome(await client.auth.mfa.listFactors()));
  assert.deepEqual(factors.data.all.map((f) => [f.factor_type, f.status, f.friendly_name]), [['webauthn', 'verified', 'security key']]);
  const factorId = factors.data.all[0].id;

  // A passkey sign-in is one factor: aal1, with aal2 to reach; deleting a passkey then needs aal2. Only the
  // authenticator meant to answer is touched: one without a matching credential would end the ceremony.
  await presence(securityKey, false);
  await inPage(async () => client.auth.signOut());
  const again = await inPage(async () => {
    const result = outcome(await client.auth.signInWithPasskey());
    return { ...result, aal: (await client.auth.mfa.getAuthenticatorAssuranceLevel()).data, list: (await client.auth.passkey.list()).data };
  });
  assert.equal(again.error, null, JSON.stringify(again.error));
  assert.deepEqual([again.aal.currentLevel, again.aal.nextLevel], ['aal1', 'aal2']);
  const passkeyId = again.list[0].id;
  const refused = await inPage(async (passkeyId) => outcome(await client.auth.passkey.delete({ passkeyId })), passkeyId);
  assert.deepEqual([refused.error?.code, refused.error?.status], ['insufficient_aal', 403]);

  await presence(authenticatorId, false);
  await presence(securityKey, true);
  const raised = await inPage(async (factorId) => {
    const result = outcome(await client.auth.mfa.webauthn.authenticate({ factorId }));
    return { ...result, aal: (await client.auth.mfa.getAuthenticatorAssuranceLevel()).data };
  }, factorId);
  assert.equal(raised.error, null, JSON.stringify(raised.error));
  assert.equal(raised.aal.currentLevel, 'aal2');

  const deleted = await inPage(async (passkeyId) => outcome(await client.auth.passkey.delete({ passkeyId })), passkeyId);
  assert.equal(deleted.error, null);
  assert.deepEqual((await inPage(async () => outcome(await client.auth.passkey.list()))).data, []);

  // The authenticator still holds the deleted passkey; the server no longer accepts it.
  await presence(securityKey, false);
  await presence(authenticatorId, true);
  await inPage(async () => client.auth.signOut());
  const gone = await inPage(async () => outcome(await client.auth.signInWithPasskey()));
  assert.deepEqual([gone.error?.code, gone.error?.status], ['webauthn_verification_failed', 400]);
});

const presence = (id, enabled) => cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: id, enabled });

async function adminPasskeys(userId) {
  const response = await fetch(`${stack.API_URL}/auth/v1/admin/users/${userId}/passkeys`, {
    headers: { apikey: project.service_role_key, Authorization: `Bearer ${project.service_role_key}` },
  });
  assert.equal(response.status, 200);
  return response.json();
}
