// Realtime end to end: the real supabase-js channel API (realtime-js, vsn 2.0.0) against /realtime/v1
// through the gateway: broadcast with self and ack, presence sync/join/leave, private channels under
// RLS policies on realtime.messages, and setAuth.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createClient } from '@supabase/supabase-js';
import { stack } from './stack.mjs';
import { sql } from './db.mjs';

const options = { auth: { persistSession: false, autoRefreshToken: false } };
const run = randomUUID().slice(0, 8);
const clients = [];

function client() {
  const c = createClient(stack.API_URL, stack.ANON_KEY, options);
  clients.push(c);
  return c;
}

after(async () => {
  for (const c of clients) await c.removeAllChannels();
});

function subscribed(channel) {
  return new Promise((resolve, reject) => {
    channel.subscribe((status, err) => {
      if (status === 'SUBSCRIBED') resolve(status);
      else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') reject(err ?? new Error(status));
    });
  });
}

function next(channel, type, filter) {
  return new Promise((resolve) => channel.on(type, filter, (payload) => resolve(payload)));
}

test('broadcast: ack to the sender, self echo, delivery to another client', async () => {
  const topic = `e2e-room-${run}`;
  const receiver = client().channel(topic);
  const received = next(receiver, 'broadcast', { event: 'cursor' });
  await subscribed(receiver);

  const sender = client().channel(topic, { config: { broadcast: { self: true, ack: true } } });
  const echoed = next(sender, 'broadcast', { event: 'cursor' });
  await subscribed(sender);

  assert.equal(await sender.send({ type: 'broadcast', event: 'cursor', payload: { x: 1, y: 2 } }), 'ok');
  assert.deepEqual((await received).payload, { x: 1, y: 2 });
  assert.deepEqual((await echoed).payload, { x: 1, y: 2 });
});

test('broadcast: httpSend without joining, and realtime.send from SQL', async () => {
  const topic = `e2e-http-${run}`;
  const receiver = client().channel(topic);
  const fromHttp = next(receiver, 'broadcast', { event: 'http' });
  const fromSql = next(receiver, 'broadcast', { event: 'sql' });
  await subscribed(receiver);

  const result = await client().channel(topic).httpSend('http', { via: 'rest' });
  assert.deepEqual(result, { success: true });
  assert.deepEqual((await fromHttp).payload, { via: 'rest' });

  await sql("SELECT realtime.send('{\"via\": \"sql\"}'::jsonb, 'sql', $1, false)", [topic]);
  assert.equal((await fromSql).payload.via, 'sql');
});

test('presence: sync, join and leave with Supabase shapes', async () => {
  const topic = `e2e-presence-${run}`;
  const alice = client().channel(topic, { config: { presence: { key: 'alice' } } });
  const bobJoined = new Promise((resolve) => alice.on('presence', { event: 'join' }, (p) => p.key === 'bob' && resolve(p)));
  const bobLeft = new Promise((resolve) => alice.on('presence', { event: 'leave' }, (p) => p.key === 'bob' && resolve(p)));
  alice.on('presence', { event: 'sync' }, () => {});
  await subscribed(alice);
  assert.equal(await alice.track({ name: 'Alice' }), 'ok');

  const bobClient = client();
  const bob = bobClient.channel(topic, { config: { presence: { key: 'bob' } } });
  const synced = new Promise((resolve) => bob.on('presence', { event: 'sync' }, () => {
    if (bob.presenceState().alice) resolve(bob.presenceState());
  }));
  await subscribed(bob);
  const state = await synced;
  assert.equal(state.alice[0].name, 'Alice');
  assert.ok(state.alice[0].presence_ref);

  assert.equal(await bob.track({ name: 'Bob' }), 'ok');
  const joined = await bobJoined;
  assert.equal(joined.newPresences[0].name, 'Bob');

  await bobClient.removeChannel(bob);
  const left = await bobLeft;
  assert.equal(left.leftPresences[0].name, 'Bob');
});

test('private channels: allowed and refused by policies on realtime.messages, with setAuth', async () => {
  await sql(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'realtime' AND policyname = 'e2e realtime read') THEN
        CREATE POLICY "e2e realtime read" ON realtime.messages FOR SELECT TO authenticated
          USING (realtime.topic() LIKE 'e2e-allowed-%');
        CREATE POLICY "e2e realtime write" ON realtime.messages FOR INSERT TO authenticated
          WITH CHECK (realtime.topic() LIKE 'e2e-allowed-%');
      END IF;
    END $$`);

  const c = client();
  const { data, error } = await c.auth.signUp({ email: `realtime-${randomUUID()}@example.com`, password: 'realtime-secret-1' });
  assert.equal(error, null);
  await c.realtime.setAuth(data.session.access_token);

  const allowed = c.channel(`e2e-allowed-${run}`, { config: { private: true, broadcast: { self: true, ack: true } } });
  const echoed = next(allowed, 'broadcast', { event: 'secret' });
  await subscribed(allowed);
  assert.equal(await allowed.send({ type: 'broadcast', event: 'secret', payload: { n: 1 } }), 'ok');
  assert.deepEqual((await echoed).payload, { n: 1 });

  const refused = c.channel(`e2e-denied-${run}`, { config: { private: true } });
  await assert.rejects(subscribed(refused), /Unauthorized: You do not have permissions to read from this Channel topic/);

  // Anonymous (no setAuth) is refused the allowed topic too: the policy is for authenticated only.
  const anon = client().channel(`e2e-allowed-anon-${run}`, { config: { private: true } });
  await assert.rejects(subscribed(anon), /Unauthorized/);
});
