// Helpers for tests that need a project of their own: the admin API, superuser SQL on that project's
// database, and waiting until every worker has caught up with a change.
import assert from 'node:assert/strict';
import pg from 'pg';
import { stack } from './stack.mjs';

export async function admin(method, path, body) {
  const response = await fetch(`${stack.ADMIN_URL}${path}`, {
    method,
    headers: { Authorization: `Bearer ${stack.ADMIN_PASSWORD}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// SQL as the superuser on the database of a project created through the admin API.
export async function projectSql(project, text) {
  const url = new URL(stack.DB_URL);
  url.pathname = `/${project.db_name}`;
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  try {
    await db.query(text);
  } finally {
    await db.end();
  }
}

// Every worker reloads its own schema cache (and project settings) after a change: wait until several
// requests in a row find what the test needs.
export async function waitFor(probe) {
  let inARow = 0;
  for (let i = 0; i < 300 && inARow < 4; i++) {
    const { error } = await probe();
    inARow = error ? 0 : inARow + 1;
    if (error) await new Promise((r) => setTimeout(r, 100));
  }
  if (inARow < 4) throw new Error('the schema never reached every worker');
}
