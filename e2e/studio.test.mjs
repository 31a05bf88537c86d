// MadBase Studio in a real headless Chromium (Debian's /usr/bin/chromium driven by playwright-core): sign in,
// a project, a table and its rows, the SQL editor, settings validation, deletion; a screenshot after each
// test in e2e/screenshots/ (or STUDIO_SCREENSHOTS). Without Chromium this file fails: it never skips.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { stack } from './stack.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const shots = path.resolve(process.env.STUDIO_SCREENSHOTS ?? new URL('./screenshots', import.meta.url).pathname);
const studioUrl = `${stack.API_URL}/studio/`;
const ref = `studio${Date.now().toString(36)}`;

let browser, context, page;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  mkdirSync(shots, { recursive: true });
  console.log(`studio screenshots: ${shots}`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.API_URL });
  page = await context.newPage();
  page.setDefaultTimeout(20_000); // only a bound on failure: every wait is for an event
});

after(async () => {
  await browser?.close();
});

afterEach(async (t) => {
  await page?.screenshot({ path: path.join(shots, `${t.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`), fullPage: true });
});

test('the first page is usable in under a second', async () => {
  // The first visit warms the browser and the services' JIT; a fresh context (empty cache) then times a
  // first page as a new visitor gets it, from the page's navigation start (the renderer's clock) to a usable
  // sign-in form: HTML, CSS, every module and the session check. Best of three, so that a burst of load from
  // another process on a 2-core machine does not decide it.
  await page.goto(studioUrl);
  await page.getByLabel('Admin password').waitFor();
  const timings = [];
  for (let i = 0; i < 3 && !(timings.length && Math.min(...timings) < 1000); i++) {
    const fresh = await browser.newContext();
    const visitor = await fresh.newPage();
    await visitor.goto(studioUrl);
    await visitor.getByLabel('Admin password').waitFor();
    timings.push(Math.round(await visitor.evaluate(() => performance.now())));
    await fresh.close();
  }
  console.log(`studio first page: ${timings.join(', ')} ms`);
  assert.ok(Math.min(...timings) < 1000, `the sign-in page took ${timings.join(', ')} ms`);
});

test('sign in: a wrong password is refused, the right one opens the projects list', async () => {
  await page.goto(studioUrl);
  await page.getByLabel('Admin password').fill('wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'wrong admin password' }).waitFor();

  await page.getByLabel('Admin password').fill(stack.ADMIN_PASSWORD);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  await page.getByRole('link', { name: 'Default project' }).waitFor();

  const cookie = (await context.cookies()).find((c) => c.name === 'madbase_studio');
  assert.ok(cookie.httpOnly && cookie.sameSite === 'Strict' && cookie.expires > 0);
  assert.equal(await page.evaluate(() => document.cookie), '', 'the session cookie is not readable by script');
});

test('create a project; its keys show with the service_role key hidden until asked', async () => {
  await page.getByRole('button', { name: 'New project' }).click();
  await page.getByLabel('Name').fill('Studio test');
  await page.getByLabel('Ref').fill(ref);
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('heading', { name: 'Studio test' }).waitFor();

  const project = await (await fetch(`${stack.ADMIN_URL}/projects/${ref}`, { headers: { Authorization: `Bearer ${stack.ADMIN_PASSWORD}` } })).json();
  const serviceRow = page.locator('.kv', { hasText: 'service_role key' });
  assert.ok(!(await serviceRow.textContent()).includes(project.service_role_key), 'the service_role key is hidden');
  await serviceRow.getByRole('button', { name: 'Reveal' }).click();
  await serviceRow.getByText(project.service_role_key).waitFor();

  await page.locator('.kv', { hasText: 'anon key' }).getByRole('button', { name: 'Copy' }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), project.anon_key);
  assert.ok(await page.locator('.kv', { hasText: 'API URL' }).getByText(stack.API_URL).isVisible());
  assert.ok(!page.url().includes(project.anon_key));
  assert.ok(!(await page.locator('main').innerText()).split('\n').includes('null'), 'no stray "null" text on the page');
});

test('settings: a bad value is explained under its field; a good one is saved', async () => {
  await page.getByRole('link', { name: 'Settings' }).click();
  const expiry = page.getByLabel('JWT expiry (seconds)');
  await expiry.fill('0');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.locator('.field', { has: expiry }).getByText('settings.auth.jwt_expiry_seconds must be between 1 and 604800').waitFor();

  await expiry.fill('7200');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByRole('status').filter({ hasText: 'Settings saved' }).waitFor();
  const project = await (await fetch(`${stack.ADMIN_URL}/projects/${ref}`, { headers: { Authorization: `Bearer ${stack.ADMIN_PASSWORD}` } })).json();
  assert.equal(project.settings.auth.jwt_expiry_seconds, 7200);
});

test('create a table with RLS on by default, then insert, edit and delete a row', async () => {
  await page.getByRole('link', { name: 'Table editor' }).click();
  await page.getByRole('button', { name: 'New table' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name', { exact: true }).fill('todos');
  await dialog.getByRole('button', { name: 'Add column' }).click();
  await dialog.getByLabel('Column name').nth(2).fill('task');
  await dialog.getByRole('button', { name: 'Create table' }).click();
  await page.getByRole('heading', { name: 'public.todos' }).waitFor();
  await page.getByText('RLS enabled').waitFor();

  await page.getByRole('button', { name: 'Insert row' }).click();
  await page.getByRole('dialog').getByRole('textbox', { name: /^task/ }).fill('write the studio');
  await page.getByRole('dialog').getByRole('button', { name: 'Insert row' }).click();
  await page.getByRole('cell', { name: 'write the studio' }).waitFor();
  await page.getByText('Rows 1–1 of 1').waitFor();

  await page.getByRole('button', { name: 'Edit' }).click();
  await page.getByRole('dialog').getByRole('textbox', { name: /^task/ }).fill('test the studio');
  await page.getByRole('dialog').getByRole('button', { name: 'Save row' }).click();
  await page.getByRole('cell', { name: 'test the studio' }).waitFor();

  await page.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete row' }).click();
  await page.getByText('No rows.').waitFor();
  assert.ok(!(await page.locator('main').innerText()).split('\n').includes('null'), 'no stray "null" text on the page');
});

test('the SQL editor shows results in a grid and an error with its position', async () => {
  await page.getByRole('link', { name: 'SQL editor' }).click();
  const editor = page.getByLabel('SQL', { exact: true });
  await editor.fill("insert into todos (task) values ('a'), ('b');\nselect id, task from todos order by id");
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByRole('cell', { name: 'b', exact: true }).waitFor();
  await page.getByText('2 rows').waitFor();

  await editor.fill('select 1;\nselect * fromm todos');
  await editor.press('Control+Enter');
  await page.getByRole('alert').filter({ hasText: 'syntax error at or near "fromm"' }).waitFor();
  await page.getByText('At line 2, column 10 (character 20)').waitFor();
  await page.getByRole('list').getByRole('button', { name: /insert into todos/ }).waitFor();

  const stored = await page.evaluate(() => Object.keys(localStorage));
  assert.ok(stored.every((k) => k.startsWith('madbase-studio-')), `unexpected local storage: ${stored}`);
  const values = await page.evaluate(() => Object.values(localStorage).join('\n'));
  assert.ok(!values.includes(stack.ADMIN_PASSWORD) && !values.includes('eyJ'), 'no secret in local storage');
});

const adminGet = async (path) =>
  (await fetch(`${stack.ADMIN_URL}${path}`, { headers: { Authorization: `Bearer ${stack.ADMIN_PASSWORD}` } })).json();

test('auth: create a user and see it listed, find it by search, see its identity, ban it', async () => {
  const email = `ada-${Date.now().toString(36)}@example.com`;
  await page.getByRole('link', { name: 'Auth' }).click();
  await page.getByRole('button', { name: 'Create user' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Email', { exact: true }).fill(email);
  await dialog.getByLabel('Password').fill('secret-123');
  await dialog.getByRole('button', { name: 'Create user' }).click();
  await page.getByRole('heading', { name: email, level: 2 }).waitFor();
  await page.locator('section', { hasText: 'Identities' }).getByRole('cell', { name: 'email', exact: true }).waitFor();

  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByRole('link', { name: email }).waitFor();
  await page.getByText('Users 1–1 of 1').waitFor();
  const search = page.getByLabel('Search users by email or name');
  await search.fill('nobody-by-this-name');
  await search.press('Enter');
  await page.getByText('No user matches.').waitFor();
  await search.fill(email.slice(0, 8).toUpperCase());
  await search.press('Enter');
  await page.getByRole('link', { name: email }).click();

  await page.getByRole('button', { name: 'Ban', exact: true }).click();
  await page.getByRole('dialog').getByLabel('Duration').selectOption('24h');
  await page.getByRole('dialog').getByRole('button', { name: 'Ban user' }).click();
  await page.getByRole('button', { name: 'Unban' }).waitFor();
  const users = await adminGet(`/projects/${ref}`).then((p) =>
    fetch(`${stack.API_URL}/auth/v1/admin/users?filter=${encodeURIComponent(email)}`, { headers: { apikey: p.service_role_key, Authorization: `Bearer ${p.service_role_key}` } }))
    .then((r) => r.json());
  assert.ok(new Date(users.users[0].banned_until) > new Date(Date.now() + 23 * 3600_000), 'banned for a day');
});

test('storage: a bucket, an upload picked and one dropped, preview, download and a signed URL', async () => {
  await page.getByRole('link', { name: 'Storage' }).click();
  await page.getByRole('button', { name: 'New bucket' }).click();
  await page.getByRole('dialog').getByLabel('Name').fill('docs');
  await page.getByRole('dialog').getByRole('button', { name: 'Create bucket' }).click();
  await page.getByRole('heading', { name: 'docs', level: 2 }).waitFor();

  const text = 'hello from studio '.repeat(1000);
  await page.locator('#upload-input').setInputFiles({ name: 'hello.txt', mimeType: 'text/plain', buffer: Buffer.from(text) });
  await page.getByRole('button', { name: 'hello.txt', exact: true }).waitFor();
  // Uploads slowed to 1 MB/s (Chromium's own throttling) so that the bar is seen part-way, as XHR reports it.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 1024 * 1024 });
  await page.locator('#upload-input').setInputFiles({ name: 'slow.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(3 * 1024 * 1024) });
  const bar = page.getByRole('progressbar', { name: 'Uploading slow.bin' });
  await page.waitForFunction(() => { const p = document.querySelector('progress'); return p && p.value > 0.05 && p.value < 0.95; });
  assert.match(await bar.locator('xpath=..').innerText(), /\d+%/);
  await page.getByRole('button', { name: 'slow.bin', exact: true }).waitFor();
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  // A real drop event with a file in its DataTransfer, as a drag from the desktop delivers it.
  await page.locator('.dropzone').evaluate((zone) => {
    const data = new DataTransfer();
    data.items.add(new File(['dropped'], 'dropped.txt', { type: 'text/plain' }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  });
  await page.getByRole('button', { name: 'dropped.txt', exact: true }).waitFor();

  await page.getByRole('button', { name: 'hello.txt', exact: true }).click();
  await page.locator('pre.file-text', { hasText: 'hello from studio' }).waitFor();

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download hello.txt' }).click()]);
  assert.equal(download.suggestedFilename(), 'hello.txt');
  const chunks = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk);
  assert.equal(Buffer.concat(chunks).toString(), text);

  await page.getByRole('button', { name: 'Signed URL for hello.txt' }).click();
  await page.getByRole('dialog').getByLabel('Valid for').selectOption('60');
  await page.getByRole('dialog').getByRole('button', { name: 'Create signed URL' }).click();
  const signedUrl = await page.locator('[data-signed-url]').textContent();
  assert.equal(await (await fetch(signedUrl)).text(), text);
  await page.keyboard.press('Escape');
  assert.ok(!(await page.locator('main').innerText()).split('\n').includes('null'), 'no stray "null" text on the page');
});

test('logs: a request to the project shows with its request id, and every service is healthy', async () => {
  const project = await adminGet(`/projects/${ref}`);
  const requestId = `studio-e2e-${Date.now().toString(36)}`;
  const response = await fetch(`${stack.API_URL}/rest/v1/todos?select=task`, { headers: { apikey: project.anon_key, 'X-Request-Id': requestId } });
  assert.equal(response.status, 200);

  await page.getByRole('link', { name: 'Logs' }).click();
  const row = page.getByRole('row', { name: new RegExp(requestId) });
  await row.waitFor();
  assert.match(await row.innerText(), /GET\s+\/rest\/v1\/todos\s+200/);
  for (const service of ['control', 'gateway', 'worker-1']) {
    await page.getByRole('row', { name: new RegExp(`^${service} Healthy`) }).waitFor();
  }
});

test('readable at a phone width and in the dark theme', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('button', { name: 'Switch between dark and light' }).click();
  const theme = await page.evaluate(() => document.documentElement.dataset.theme);
  assert.ok(theme === 'dark' || theme === 'light');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('delete the project only after its ref is typed', async () => {
  await page.goto(`${studioUrl}#/p/${ref}`);
  await page.getByRole('button', { name: 'Delete project' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Project ref').fill('nope');
  await dialog.getByRole('button', { name: 'Delete project' }).click();
  await dialog.getByRole('alert').filter({ hasText: `Type ${ref} exactly` }).waitFor();
  await dialog.getByLabel('Project ref').fill(ref);
  await dialog.getByRole('button', { name: 'Delete project' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  await page.getByRole('link', { name: 'Default project' }).waitFor();
  assert.equal(await page.getByRole('cell', { name: ref, exact: true }).count(), 0);
});

test('signing out ends the session', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Admin password').waitFor();
  await page.reload();
  await page.getByLabel('Admin password').waitFor();
});
