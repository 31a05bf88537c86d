// Phone and Web3 sign-in end-to-end: supabase-js's signUp/signInWithOtp/verifyOtp/updateUser/resend with a phone
// (the SMS OTPs read from the mail catcher, where a project without a Send SMS hook captures them), and
// signInWithWeb3 with messages signed here: Ethereum with @noble/curves (secp256k1 recoverable signatures, which
// node:crypto lacks), Solana with node:crypto's ed25519.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, randomInt, sign } from 'node:crypto';
import { createClient } from '@supabase/supabase-js';
import { createSiweMessage } from '@supabase/auth-js/dist/main/lib/web3/ethereum.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { stack } from './stack.mjs';
import { admin } from './admin.mjs';

const options = { auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false } };
const uniquePhone = () => `1415${randomInt(2_000_000, 9_999_999)}`;
let project;
const client = () => createClient(stack.API_URL, project.anon_key, options);

before(async () => {
  project = await admin('POST', '/projects', {
    name: `phone e2e ${randomBytes(3).toString('hex')}`,
    settings: {
      auth: {
        site_url: 'https://app.example.com', phone_enabled: true,
        mfa: { phone: { enroll_enabled: true, verify_enabled: true } },
        web3: { ethereum_enabled: true, solana_enabled: true },
      },
    },
  });
});

// The newest SMS captured for a number (stored, as GoTrue stores it, without the '+').
async function latestSms(phone, kind) {
  const messages = await admin('GET', `/projects/${project.ref}/mail?to=${phone}`);
  assert.ok(messages.length > 0, `no SMS for ${phone}`);
  assert.equal(messages[0].kind, kind);
  assert.equal(messages[0].html, `Your code is ${messages[0].otp}`);
  return messages[0].otp;
}

test('phone: signUp sends an SMS OTP, verifyOtp(sms) confirms it and signInWithPassword follows; signInWithOtp signs a new number in', async () => {
  const supabase = client();
  const phone = uniquePhone();
  const signedUp = await supabase.auth.signUp({ phone: `+${phone}`, password: 'secret-123' });
  assert.equal(signedUp.error, null);
  assert.equal(signedUp.data.session, null);
  assert.equal(signedUp.data.user.phone, phone);

  const notYet = await supabase.auth.signInWithPassword({ phone: `+${phone}`, password: 'secret-123' });
  assert.equal(notYet.error.code, 'phone_not_confirmed');

  const verified = await supabase.auth.verifyOtp({ phone: `+${phone}`, token: await latestSms(phone, 'sms'), type: 'sms' });
  assert.equal(verified.error, null);
  assert.ok(verified.data.session.access_token);
  assert.ok(verified.data.user.phone_confirmed_at);
  const userId = verified.data.user.id;

  const password = await client().auth.signInWithPassword({ phone: `+${phone}`, password: 'secret-123' });
  assert.equal(password.error, null);
  assert.equal(password.data.user.id, userId);

  // signInWithOtp with a number of its own: a new user, signed in by the code (one SMS per number per 5 seconds).
  const other = client();
  const fresh = uniquePhone();
  assert.equal((await other.auth.signInWithOtp({ phone: `+${fresh}`, options: { data: { plan: 'free' } } })).error, null);
  const byOtp = await other.auth.verifyOtp({ phone: `+${fresh}`, token: await latestSms(fresh, 'sms'), type: 'sms' });
  assert.equal(byOtp.error, null);
  assert.notEqual(byOtp.data.user.id, userId);
  assert.equal(byOtp.data.user.user_metadata.plan, 'free');

  const wrong = await other.auth.verifyOtp({ phone: `+${phone}`, token: '000000', type: 'sms' });
  assert.equal(wrong.error.code, 'otp_expired');
  assert.equal(wrong.error.status, 403);
});

test('phone: updateUser({ phone }) sends a phone_change OTP; resend at once is over the SMS rate limit; verifyOtp(phone_change) moves the number', async () => {
  const supabase = client();
  const { error } = await supabase.auth.signUp({ email: `phone-${randomBytes(6).toString('hex')}@example.com`, password: 'secret-123' });
  assert.equal(error, null);
  const phone = uniquePhone();

  const updated = await supabase.auth.updateUser({ phone: `+${phone}` });
  assert.equal(updated.error, null);
  assert.equal(updated.data.user.new_phone, phone);
  const otp = await latestSms(phone, 'phone_change');

  // As GoTrue, resend finds the user by the email or the current number given; the change went out a moment ago.
  const tooSoon = await supabase.auth.resend({ type: 'phone_change', email: updated.data.user.email });
  assert.equal(tooSoon.error.status, 429);
  assert.equal(tooSoon.error.code, 'over_sms_send_rate_limit');

  const verified = await supabase.auth.verifyOtp({ phone: `+${phone}`, token: otp, type: 'phone_change' });
  assert.equal(verified.error, null);
  assert.equal(verified.data.user.phone, phone);
  assert.deepEqual(verified.data.user.app_metadata.providers, ['email', 'phone']);
});

test('mfa: a phone factor is enrolled, challenged by SMS and verified, raising the session to aal2', async () => {
  const supabase = client();
  assert.equal((await supabase.auth.signUp({ email: `mfa-${randomBytes(6).toString('hex')}@example.com`, password: 'secret-123' })).error, null);
  const phone = uniquePhone();
  const enrolled = await supabase.auth.mfa.enroll({ factorType: 'phone', phone: `+${phone}` });
  assert.equal(enrolled.error, null);
  assert.equal(enrolled.data.type, 'phone');
  const challenge = await supabase.auth.mfa.challenge({ factorId: enrolled.data.id });
  assert.equal(challenge.error, null);
  const verified = await supabase.auth.mfa.verify({ factorId: enrolled.data.id, challengeId: challenge.data.id, code: await latestSms(phone, 'mfa') });
  assert.equal(verified.error, null);
  const level = await supabase.auth.mfa.getAuthenticatorAssuranceLevel();
  assert.equal(level.data.currentLevel, 'aal2');
});

test('phone: a number that is not E.164 is refused with GoTrue\'s message', async () => {
  const { error } = await client().auth.signInWithOtp({ phone: '+0123' });
  assert.equal(error.status, 400);
  assert.equal(error.message, 'Invalid phone number format (E.164 required)');
});

// EIP-191 personal_sign: secp256k1 over keccak256("\x19Ethereum Signed Message:\n" + length + message), r‖s‖v.
function personalSign(secretKey, message) {
  const body = new TextEncoder().encode(message);
  const prefixed = Buffer.concat([Buffer.from(`\x19Ethereum Signed Message:\n${body.length}`), body]);
  const recovered = secp256k1.sign(keccak_256(prefixed), secretKey, { prehash: false, format: 'recovered' });
  return `0x${Buffer.concat([recovered.subarray(1), Buffer.from([27 + recovered[0]])]).toString('hex')}`;
}

function ethereumAddress(secretKey) {
  const publicKey = secp256k1.getPublicKey(secretKey, false);
  return `0x${Buffer.from(keccak_256(publicKey.subarray(1)).subarray(12)).toString('hex')}`;
}

test('web3: signInWithWeb3 (ethereum) with a SIWE message signed by a wallet key signs the wallet in; another app\'s message is refused', async () => {
  const secretKey = secp256k1.utils.randomSecretKey();
  const address = ethereumAddress(secretKey);
  const siwe = (domain) => createSiweMessage({
    address, chainId: 1, domain, uri: `https://${domain}/login`, version: '1',
    nonce: randomBytes(8).toString('hex'), statement: 'Sign in to the e2e app', issuedAt: new Date(),
  });

  const message = siwe('app.example.com');
  const { data, error } = await client().auth.signInWithWeb3({ chain: 'ethereum', message, signature: personalSign(secretKey, message) });
  assert.equal(error, null);
  assert.ok(data.session.access_token);
  assert.equal(data.user.identities[0].id, `web3:ethereum:${address}`);
  assert.equal(data.user.app_metadata.provider, 'web3');

  const foreign = siwe('evil.example.net');
  const refused = await client().auth.signInWithWeb3({ chain: 'ethereum', message: foreign, signature: personalSign(secretKey, foreign) });
  assert.equal(refused.error.status, 400);
  assert.match(refused.error.message, /not allowed on this server/);
});

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58(bytes) {
  let value = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
  let text = '';
  while (value > 0n) {
    text = BASE58[Number(value % 58n)] + text;
    value /= 58n;
  }
  for (const byte of bytes) {
    if (byte !== 0) break;
    text = `1${text}`;
  }
  return text;
}

test('web3: signInWithWeb3 (solana) with a Sign-In with Solana message signed by an ed25519 key', async () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const address = base58(Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url'));
  const message = `app.example.com wants you to sign in with your Solana account:\n${address}\n\nSign in to the e2e app\n\n`
    + `URI: https://app.example.com/login\nVersion: 1\nChain ID: solana:mainnet\nNonce: ${randomBytes(8).toString('hex')}\nIssued At: ${new Date().toISOString()}`;

  const { data, error } = await client().auth.signInWithWeb3({ chain: 'solana', message, signature: sign(null, Buffer.from(message), privateKey) });
  assert.equal(error, null);
  assert.equal(data.user.identities[0].id, `web3:solana:${address}`);
});
