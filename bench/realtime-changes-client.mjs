// One subscriber process of bench/realtime-changes.sh: SOCKETS supabase-js clients, each a distinct user
// (a JWT signed with the project's secret), subscribed to INSERTs of TABLE under its RLS policy. Prints
// "ready" once all are SUBSCRIBED; on SIGTERM writes each received change's commit-to-receive latency (ms),
// one per line, to OUT; SIGUSR2 forgets those received so far (the end of a warm-up).
import { createHmac, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createClient } from '@supabase/supabase-js';

const { API_URL, ANON_KEY, JWT_SECRET, TABLE, SOCKETS = '10', OUT } = process.env;
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
function token(sub) {
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, role: 'authenticated', aud: 'authenticated', exp: Math.floor(Date.now() / 1000) + 3600 })}`;
  return `${body}.${createHmac('sha256', JWT_SECRET).update(body).digest('base64url')}`;
}

const latencies = [];
const subscribed = [];
for (let i = 0; i < Number(SOCKETS); i++) {
  // accessToken: supabase-js then hands this user's JWT to realtime (setAuth alone is replaced by the anon key).
  const jwt = token(randomUUID());
  const client = createClient(API_URL, ANON_KEY, { accessToken: async () => jwt });
  await client.realtime.setAuth(jwt);
  subscribed.push(new Promise((resolve, reject) => {
    client.channel(`bench-${i}`)
      .on('postgres_changes', { event: 'INSERT', schema: 'public', table: TABLE }, (payload) => {
        latencies.push(Date.now() - Date.parse(payload.commit_timestamp));
      })
      .subscribe((status, error) => {
        if (status === 'SUBSCRIBED') resolve();
        else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT') reject(error ?? new Error(status));
      });
  }));
}
await Promise.all(subscribed);
console.log('ready');
// The bench's warm-up is over: what it measured is not part of the figures.
process.on('SIGUSR2', () => {
  latencies.length = 0;
});
process.on('SIGTERM', () => {
  writeFileSync(OUT, latencies.join('\n') + '\n');
  process.exit(0);
});
