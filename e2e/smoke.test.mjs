// Smoke test of the foundation: the real supabase-js, on Node 22, against the gateway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '@supabase/supabase-js';
import { stack } from './stack.mjs';

// `client.fetch` is supabase-js's own authenticated fetch (it adds apikey, Authorization and
// X-Client-Info exactly as every auth/rest/storage call does), so these requests are what the client sends.
const options = { auth: { persistSession: false, autoRefreshToken: false } };

test('the gateway accepts supabase-js headers and routes /auth/v1 to a worker of the project', async () => {
  const supabase = createClient(stack.API_URL, stack.ANON_KEY, options);
  const res = await supabase.fetch(`${stack.API_URL}/auth/v1/settings`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('x-request-id') ?? '', /^\S{1,128}$/);
  const settings = await res.json();
  assert.equal(typeof settings.disable_signup, 'boolean');
  assert.equal(settings.external.email, true);
});

test('a client with a wrong key is refused at the edge with the JSON error shape', async () => {
  const forged = stack.ANON_KEY.slice(0, -4) + 'AAAA';
  const supabase = createClient(stack.API_URL, forged, options);
  const res = await supabase.fetch(`${stack.API_URL}/auth/v1/settings`);
  assert.equal(res.status, 401);
  const body = await res.json();
  assert.equal(body.code, 401);
  assert.equal(typeof body.error, 'string');
});

test('the service_role key reaches the same project', async () => {
  const admin = createClient(stack.API_URL, stack.SERVICE_ROLE_KEY, options);
  const res = await admin.fetch(`${stack.API_URL}/auth/v1/health`);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).name, 'GoTrue');
});

test('a browser preflight for a supabase-js call is answered at the edge', async () => {
  const res = await fetch(`${stack.API_URL}/rest/v1/todos?select=*`, {
    method: 'OPTIONS',
    headers: {
      Origin: 'http://localhost:3000',
      'Access-Control-Request-Method': 'GET',
      'Access-Control-Request-Headers': 'apikey,authorization,x-client-info,accept-profile',
    },
  });
  assert.ok(res.status === 200 || res.status === 204, `status ${res.status}`);
  assert.ok(res.headers.get('access-control-allow-origin'));
  const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase();
  for (const h of ['apikey', 'authorization', 'x-client-info', 'accept-profile']) assert.ok(allowed.includes(h), h);
});
