// The client processes of bench/realtime.sh, with the real supabase-js (one createClient per socket, as an
// app would have one per browser tab), connected through the gateway with the anon key.
//
// ROLE=subscribe: SOCKETS sockets, numbered from FIRST; socket i joins the public channel "room-(i % TOPICS)"
// and listens for broadcast event "bench". Prints "ready" once every channel is SUBSCRIBED. Each message
// carries {t, run}: t the sender's clock (performance.timeOrigin + performance.now(), ms, same machine), run a
// label ("warm" is not counted). On SIGUSR2 writes each run's send-to-receive latencies (ms, one per line)
// to OUT-<run> and forgets them; on SIGTERM the same, then exits. A channel that leaves SUBSCRIBED is
// reported on stderr.
//
// ROLE=send: SOCKETS sockets sharing the TOPICS channels (joined without self, so the sender hears
// nothing), "ready" once subscribed; then reads runs from stdin, one line "<label> <rate/s> <seconds>",
// and for each sends RATE broadcasts per second for SECONDS with channel.send({type: 'broadcast', ...})
// over the socket (not the REST fallback: every channel is joined), round robin over the topics, paced every
// 5 ms; prints {"run", "sent", "seconds"} when a run is done.
import { createInterface } from 'node:readline';
import { writeFileSync } from 'node:fs';
import { createClient } from '@supabase/supabase-js';

const { API_URL, ANON_KEY, ROLE, FIRST = '0', SOCKETS = '10', TOPICS = '100', OUT } = process.env;
const topics = Number(TOPICS);
const now = () => performance.timeOrigin + performance.now();

function client() {
  return createClient(API_URL, ANON_KEY, { accessToken: async () => ANON_KEY });
}

function join(channel, onMessage) {
  return new Promise((resolve, reject) => {
    let joined = false;
    if (onMessage) channel.on('broadcast', { event: 'bench' }, onMessage);
    channel.subscribe((status, error) => {
      if (status === 'SUBSCRIBED') {
        joined = true;
        resolve(channel);
      } else if (!joined) {
        reject(error ?? new Error(`${channel.topic}: ${status}`));
      } else {
        console.error(`${channel.topic} left SUBSCRIBED: ${status} ${error?.message ?? ''}`);
      }
    });
  });
}

// Opens in batches so a process does not ask for hundreds of joins in the same instant.
async function inBatches(count, size, open) {
  const all = [];
  for (let i = 0; i < count; i += size) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + size); j++) batch.push(open(j));
    all.push(...(await Promise.all(batch)));
  }
  return all;
}

if (ROLE === 'subscribe') {
  const runs = new Map();
  const first = Number(FIRST);
  await inBatches(Number(SOCKETS), 25, (j) => {
    const i = first + j;
    return join(client().channel(`room-${i % topics}`, { config: { broadcast: { self: false } } }), ({ payload }) => {
      const received = now();
      if (payload.run === 'warm') return;
      let list = runs.get(payload.run);
      if (!list) runs.set(payload.run, (list = []));
      list.push(received - payload.t);
    });
  });
  console.log('ready');
  const dump = () => {
    for (const [run, list] of runs) writeFileSync(`${OUT}-${run}`, list.map((v) => v.toFixed(2)).join('\n') + '\n');
    runs.clear();
  };
  process.on('SIGUSR2', () => {
    dump();
    console.log('dumped');
  });
  process.on('SIGTERM', () => {
    dump();
    process.exit(0);
  });
} else if (ROLE === 'send') {
  const sockets = Array.from({ length: Number(SOCKETS) }, client);
  const channels = await inBatches(topics, 25, (t) =>
    join(sockets[t % sockets.length].channel(`room-${t}`, { config: { broadcast: { self: false } } })));
  console.log('ready');
  let k = 0;
  for await (const line of createInterface({ input: process.stdin })) {
    const [run, rateText, secondsText] = line.trim().split(/\s+/);
    if (!run) continue;
    const rate = Number(rateText);
    const seconds = Number(secondsText);
    const started = performance.now();
    let sent = 0;
    let failed = 0;
    while (performance.now() - started < seconds * 1000) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      for (; sent < due; sent++) {
        const channel = channels[k++ % topics];
        channel.send({ type: 'broadcast', event: 'bench', payload: { t: now(), run } })
          .then((status) => { if (status !== 'ok') failed++; });
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    console.log(JSON.stringify({ run, sent, failed, seconds: (performance.now() - started) / 1000 }));
  }
  process.exit(0);
} else {
  console.error('ROLE must be subscribe or send');
  process.exit(2);
}
