// The insert load of bench/realtime-changes.sh: RATE single-row INSERT transactions per second into TABLE
// for SECONDS, over a few connections, paced every 10 ms. Prints how many were committed and the rate reached.
import pg from 'pg';

const { DB_URL, TABLE, RATE = '100', SECONDS = '15' } = process.env;
const rate = Number(RATE);
const pool = new pg.Pool({ connectionString: DB_URL, max: 8 });
const started = Date.now();
let sent = 0;
let committed = 0;
const pending = new Set();
while (Date.now() - started < Number(SECONDS) * 1000) {
  const due = Math.floor(((Date.now() - started) / 1000) * rate);
  for (; sent < due; sent++) {
    const insert = pool.query(`INSERT INTO public.${TABLE} (body) VALUES ($1)`, [`row ${sent}`]).then(() => committed++);
    pending.add(insert);
    insert.finally(() => pending.delete(insert));
  }
  await new Promise((r) => setTimeout(r, 10));
}
await Promise.all(pending);
const elapsed = (Date.now() - started) / 1000;
await pool.end();
console.log(JSON.stringify({ committed, per_second: Math.round(committed / elapsed) }));
