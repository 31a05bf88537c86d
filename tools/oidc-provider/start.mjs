// A real OpenID Connect provider (oidc-provider, panva's certified implementation) on a free loopback port,
// for the OAuth sign-in tests. It prints one JSON line {"issuer": "http://127.0.0.1:PORT"} once it listens.
//
// What a test can do with it, besides the standard endpoints (discovery, /auth, /token, /me, /jwks):
// - register a client for its project: POST /reg (dynamic client registration, RFC 7591);
// - sign in without a browser: its /interaction/<uid> page, which a real provider would render as a login
//   form, logs in the account named in its query (?sub=&email=&email_verified=&name=) and consents at once;
// - POST /test/sign {"claims": {...}, "key": "own"|"foreign"}: an ID token signed with the provider's own
//   published key (or with a key it never published), to test expired, misaddressed and forged tokens.
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const ownKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const foreignKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const kid = crypto.randomUUID();
const accounts = new Map();

const provider = new Provider(issuer, {
  jwks: { keys: [{ ...ownKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] },
  features: {
    devInteractions: { enabled: false },
    registration: { enabled: true },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'picture'] },
  // The ID token carries the scopes' claims, as Google's and most providers' do.
  conformIdTokenClaims: false,
  pkce: { required: () => false },
  responseTypes: ['code'],
  cookies: { keys: [crypto.randomBytes(16).toString('hex')] },
  findAccount: (ctx, sub) => accounts.has(sub) ? { accountId: sub, claims: () => accounts.get(sub) } : undefined,
});
const callback = provider.callback();

server.on('request', async (req, res) => {
  const url = new URL(req.url, issuer);
  try {
    if (url.pathname.startsWith('/interaction/')) {
      await signIn(req, res, url.searchParams);
    } else if (url.pathname === '/test/sign' && req.method === 'POST') {
      const { claims, key } = JSON.parse(await body(req));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id_token: sign(claims, key === 'foreign' ? foreignKey : ownKey) }));
    } else {
      callback(req, res);
    }
  } catch (error) {
    res.statusCode = 500;
    res.end(String(error?.stack ?? error));
  }
});

/** The login and consent a user would give on the provider's pages. */
async function signIn(req, res, query) {
  const sub = query.get('sub');
  if (!sub) {
    res.statusCode = 400;
    res.end('name the account: ?sub=&email=&email_verified=&name=');
    return;
  }
  accounts.set(sub, {
    sub,
    email: query.get('email') ?? undefined,
    email_verified: query.get('email_verified') === 'true',
    name: query.get('name') ?? undefined,
  });
  const details = await provider.interactionDetails(req, res);
  const grant = new provider.Grant({ accountId: sub, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { login: { accountId: sub }, consent: { grantId } }, { mergeWithLastSubmission: false });
}

function sign(claims, key) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'RS256', kid, typ: 'JWT' })}.${encode({ iss: issuer, ...claims })}`;
  return `${input}.${crypto.sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

function body(req) {
  return new Promise((resolve, reject) => {
    let text = '';
    req.on('data', (chunk) => { text += chunk; });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

console.log(JSON.stringify({ issuer }));
