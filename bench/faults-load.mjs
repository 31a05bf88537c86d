// The fault suite's load: a fixed request rate through the gateway for a bounded time, mixing REST reads,
// REST inserts with unique ids (under RLS, as a signed-in user), password sign-ins, and storage uploads and
// downloads; every outcome goes to <out>/<phase>.jsonl and every acknowledged insert id to <out>/<phase>.acked.
//   node bench/faults-load.mjs run <phase> <seconds> <requests-per-second> <out> <first-id>
//   node bench/faults-load.mjs report <phase> <out> <ms since epoch of the fault> [<ms when Postgres accepted connections again>]
// Environment (from stack.env and bench/faults.sh): API_URL, ANON_KEY, SERVICE_ROLE_KEY, USER_EMAIL,
// USER_PASSWORD, USER_TOKEN. Loopback only; Node 20 (global fetch).
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

const [mode, phase, ...rest] = process.argv.slice(2);
const env = (name) => process.env[name] ?? fail(`${name} is not set`);
const maxInFlight = 256;
const timeoutMs = 10_000;
// A recovery is steady once this long passes with no failure.
const steadyMs = 3_000;

function fail(message) {
  console.error(`faults-load: ${message}`);
  process.exit(2);
}

// Out of every 10 requests: 4 reads, 3 inserts, 1 sign-in, 1 upload, 1 download.
const mix = ['read', 'insert', 'read', 'signin', 'insert', 'read', 'upload', 'insert', 'read', 'download'];

function request(kind, id) {
  const api = env('API_URL');
  const user = { apikey: env('ANON_KEY'), authorization: `Bearer ${env('USER_TOKEN')}` };
  const service = { apikey: env('SERVICE_ROLE_KEY'), authorization: `Bearer ${env('SERVICE_ROLE_KEY')}` };
  const json = { 'content-type': 'application/json' };
  switch (kind) {
    case 'read':
      return [`${api}/rest/v1/fault_notes?select=id,body&order=id.desc&limit=5`, { headers: user }, 200];
    case 'insert':
      return [`${api}/rest/v1/fault_notes`, {
        method: 'POST',
        headers: { ...user, ...json, prefer: 'return=minimal' },
        body: JSON.stringify({ id, phase, body: `note ${id}` }),
      }, 201];
    case 'signin':
      return [`${api}/auth/v1/token?grant_type=password`, {
        method: 'POST',
        headers: { apikey: env('ANON_KEY'), ...json },
        body: JSON.stringify({ email: env('USER_EMAIL'), password: env('USER_PASSWORD') }),
      }, 200];
    case 'upload':
      return [`${api}/storage/v1/object/faults/${phase}/${id}.txt`, {
        method: 'POST',
        headers: { ...service, 'content-type': 'text/plain' },
        body: `object ${id} `.repeat(64),
      }, 200];
    case 'download':
      return [`${api}/storage/v1/object/faults/probe.txt`, { headers: service }, 200];
    default:
      return fail(`unknown kind ${kind}`);
  }
}

async function run(seconds, rate, out, firstId) {
  const results = `${out}/${phase}.jsonl`;
  const acked = `${out}/${phase}.acked`;
  writeFileSync(results, '');
  writeFileSync(acked, '');
  const total = Math.round(seconds * rate);
  const started = Date.now();
  let inFlight = 0;
  const pending = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const kind = mix[i % mix.length];
    const id = firstId + i;
    const start = Date.now();
    if (inFlight >= maxInFlight) {
      // The stack is not answering at all: counted as a failure rather than piling up more sockets.
      appendFileSync(results, JSON.stringify({ kind, start, end: start, status: 0, ok: false, error: 'too many in flight' }) + '\n');
      continue;
    }

    inFlight++;
    const [url, init, expected] = request(kind, id);
    pending.push(fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })
      .then(async (response) => {
        const body = await response.text();
        return { status: response.status, ok: response.status === expected, error: response.status === expected ? undefined : body.slice(0, 200) };
      })
      .catch((error) => ({ status: 0, ok: false, error: String(error.cause?.code ?? error.name ?? error) }))
      .then((outcome) => {
        inFlight--;
        appendFileSync(results, JSON.stringify({ kind, start, end: Date.now(), ...outcome }) + '\n');
        if (kind === 'insert' && outcome.status === 201) appendFileSync(acked, `${id}\n`);
      }));
  }

  await Promise.all(pending);
}

function report(out, faultAt, acceptedAt) {
  const results = readFileSync(`${out}/${phase}.jsonl`, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
  results.sort((a, b) => a.start - b.start);
  const failed = results.filter((r) => !r.ok);
  const byKind = {};
  for (const r of failed) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
  const errors = {};
  for (const r of failed) {
    const key = `${r.status} ${(r.error ?? '').replace(/\s+/g, ' ').slice(0, 70)}`;
    errors[key] = (errors[key] ?? 0) + 1;
  }

  const seconds = (ms) => `${ms < 0 ? '-' : '+'}${(Math.abs(ms) / 1000).toFixed(1)}`;
  const summary = {
    phase,
    total: results.length,
    failed: failed.length,
    failedPercent: results.length ? (100 * failed.length) / results.length : 0,
    failedByKind: byKind,
    // When the failures started and ended, counted from the fault.
    failuresFrom: failed.length ? seconds(failed[0].start - faultAt) : null,
    failuresTo: failed.length ? seconds(failed.at(-1).start - faultAt) : null,
    firstErrors: Object.entries(errors).sort((a, b) => b[1] - a[1]).slice(0, 3),
    recoverySeconds: 0,
    recovered: true,
  };
  if (acceptedAt) summary.failedAfterAccept = failed.filter((r) => r.start >= acceptedAt).length;
  if (failed.length > 0) {
    // Recovered: the first success that started after the last failure, with steadyMs of requests after it.
    const firstFailure = failed[0].start;
    const lastFailure = failed.at(-1).start;
    const recovery = results.find((r) => r.ok && r.start > lastFailure);
    const last = results.at(-1).start;
    summary.recovered = recovery !== undefined && last - recovery.start >= steadyMs;
    summary.recoverySeconds = recovery ? (recovery.end - firstFailure) / 1000 : null;
    if (acceptedAt && recovery) summary.servingAfterAcceptSeconds = Math.max(0, (recovery.end - acceptedAt) / 1000);
  } else if (acceptedAt) {
    summary.servingAfterAcceptSeconds = 0;
  }

  console.log(JSON.stringify(summary));
}

if (mode === 'run') {
  const [seconds, rate, out, firstId] = rest;
  await run(Number(seconds), Number(rate), out, Number(firstId));
} else if (mode === 'report') {
  const [out, faultAt, acceptedAt] = rest;
  report(out, Number(faultAt), acceptedAt ? Number(acceptedAt) : undefined);
} else {
  fail('usage: faults-load.mjs run <phase> <seconds> <rate> <out> <first-id> | report <phase> <out> <fault-at-ms> [<accepted-at-ms>]');
}
