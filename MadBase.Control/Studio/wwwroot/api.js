// Every call Studio makes: same origin, the session cookie (HttpOnly, so script never sees it) and the CSRF
// token, which lives only in this module's memory. Errors come back as Error with the server's message.
let csrf = null;
export const session = { publicUrl: null, dashboardUrl: null, expiresAt: null };

// Control answers {error}; a project's GoTrue {msg} and storage API {message} come through Studio unchanged.
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.msg ?? body?.message ?? body?.error_description ?? body?.error ?? `request failed (${status})`);
    this.status = status;
    this.body = body;
  }
}

function remember(info) {
  csrf = info.csrf_token;
  session.publicUrl = info.public_url;
  session.dashboardUrl = info.dashboard_url;
  session.expiresAt = info.expires_at;
}

function parse(text) {
  try { return text ? JSON.parse(text) : null; } catch { return { error: text }; }
}

// A 401 from Control itself (its {error, code} shape) means the session is over; a project API's own 401 does not.
function checkSession(status, json, path) {
  if (status === 401 && json?.code === 401 && !path.endsWith('/session')) {
    csrf = null;
    window.dispatchEvent(new Event('studio:signed-out'));
  }
}

// The JSON body and the response (for headers such as X-Total-Count).
export async function request(method, path, body) {
  const headers = { 'X-CSRF-Token': csrf ?? '' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = parse(await response.text());
  checkSession(response.status, json, path);
  if (!response.ok) throw new ApiError(response.status, json);
  return { json, response };
}

export async function api(method, path, body) {
  return (await request(method, path, body)).json;
}

// A file's bytes through Studio (the CSRF header rules out a plain link), as a Blob.
export async function download(path) {
  const response = await fetch(path, { headers: { 'X-CSRF-Token': csrf ?? '' }, credentials: 'same-origin' });
  if (!response.ok) {
    const json = parse(await response.text());
    checkSession(response.status, json, path);
    throw new ApiError(response.status, json);
  }
  return response.blob();
}

// An upload with progress: fetch cannot report it, XMLHttpRequest's upload events can. The file streams as
// the request body; nothing reads it into memory here.
export function upload(path, file, { upsert = false, onprogress = () => {} } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('X-CSRF-Token', csrf ?? '');
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    if (upsert) xhr.setRequestHeader('x-upsert', 'true');
    xhr.upload.addEventListener('progress', (e) => { if (e.lengthComputable) onprogress(e.loaded / e.total); });
    xhr.addEventListener('load', () => {
      const json = parse(xhr.responseText);
      checkSession(xhr.status, json, path);
      if (xhr.status >= 200 && xhr.status < 300) resolve(json);
      else reject(new ApiError(xhr.status, json));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, { error: 'the upload was interrupted' })));
    xhr.send(file);
  });
}

export async function resume() {
  try {
    remember(await api('GET', '/studio/api/session'));
    return true;
  } catch {
    return false;
  }
}

export async function signIn(password) {
  remember(await api('POST', '/studio/api/session', { password }));
}

export async function signOut() {
  await api('DELETE', '/studio/api/session');
  csrf = null;
}

export const admin = (method, path, body) => api(method, `/admin/v1${path}`, body);
export const projectPath = (ref, path) => `/studio/api/projects/${encodeURIComponent(ref)}${path}`;
export const studio = (method, ref, path, body) => api(method, projectPath(ref, path), body);

// Where clients reach a project's API: the configured public URL, else this page's origin (the gateway).
export function apiUrl(ref) {
  return session.publicUrl ? session.publicUrl.replaceAll('{ref}', ref) : window.location.origin;
}
