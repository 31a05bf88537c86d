// Edge Functions' CORS in a real headless Chromium: supabase-js (its UMD build) on a page of another origin
// invokes a function that answers its own preflight with an origin allow-list, as Supabase's docs have it.
// The allowed origin gets through (with a custom header, so the browser sends a preflight first); another
// origin is refused by the function's answer, which the gateway must not overrule.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { servePage } from './page-server.mjs';
import { stack } from './stack.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const cli = fileURLToPath(new URL('../MadBase.Cli/bin/Debug/net10.0/madbase.dll', import.meta.url));

let server, browser, port;

const guarded = (allowed) => `
  const allowed = ${JSON.stringify(allowed)};
  Deno.serve(async (req) => {
    const origin = req.headers.get('origin');
    const cors = origin === allowed
      ? { 'Access-Control-Allow-Origin': origin, 'Vary': 'Origin',
          'Access-Control-Allow-Headers': 'authorization, x-client-info, apikey, content-type, x-custom',
          'Access-Control-Expose-Headers': 'x-custom-out' }
      : {};
    if (req.method === 'OPTIONS') return new Response('ok', { headers: cors });
    const body = await req.json();
    return Response.json({ hello: body.name, custom: req.headers.get('x-custom') }, { headers: { ...cors, 'x-custom-out': 'seen' } });
  });`;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  // The page's own origin: a server of its own on loopback, serving an empty page and supabase-js.
  server = await servePage();
  port = server.port;

  const functionsDir = mkdtempSync(join(tmpdir(), 'mbfn-cors-'));
  mkdirSync(join(functionsDir, 'e2e-cors'));
  writeFileSync(join(functionsDir, 'e2e-cors', 'index.ts'), guarded(`http://127.0.0.1:${port}`));
  execFileSync('dotnet', [cli, 'functions', 'deploy', 'e2e-cors', '--data-dir', dirname(stack.MADBASE_STACK_ENV),
    '--functions-dir', functionsDir], { stdio: 'pipe' });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** functions.invoke() from a page at pageUrl, in the browser; what supabase-js gave back. */
async function invokeFrom(pageUrl, headers = {}) {
  const page = await browser.newPage();
  try {
    await page.goto(pageUrl);
    return await page.evaluate(async ({ url, key, headers }) => {
      const client = window.supabase.createClient(url, key);
      const { data, error, response } = await client.functions.invoke('e2e-cors', { body: { name: 'browser' }, headers });
      return { data, error: error ? `${error.name}: ${error.message}` : null, out: response?.headers.get('x-custom-out') ?? null };
    }, { url: stack.API_URL, key: stack.ANON_KEY, headers });
  } finally {
    await page.close();
  }
}

test('a function allows its origin: the preflight reaches it and the call goes through', async () => {
  // A deploy reaches every worker with Control's change message; until then a worker may answer 404.
  let result;
  for (let i = 0; i < 40 && !result?.data; i++) {
    result = await invokeFrom(`http://127.0.0.1:${port}/`, { 'x-custom': 'sent' });
    if (!result.data) await new Promise((r) => setTimeout(r, 250));
  }
  assert.deepEqual(result.data, { hello: 'browser', custom: 'sent' }, JSON.stringify(result));
  assert.equal(result.out, 'seen', 'the header the function exposes is readable');
});

test('a function refuses another origin, and the browser blocks the call', async () => {
  // localhost is another origin than 127.0.0.1 for the browser; the function does not allow it. Only the
  // headers the gateway's own policy allows are sent, so this fails only if the function's answer is kept.
  const result = await invokeFrom(`http://localhost:${port}/`);
  assert.equal(result.data, null);
  assert.match(result.error ?? '', /FunctionsFetchError/);
});
