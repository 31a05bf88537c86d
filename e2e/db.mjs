// Superuser SQL on the default project's database (DB_URL), for tests that set up tables and policies
// the way a developer does in the Supabase SQL editor.
import pg from 'pg';
import { stack } from './stack.mjs';

export async function sql(text, params = []) {
  const client = new pg.Client({ connectionString: stack.DB_URL });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}
