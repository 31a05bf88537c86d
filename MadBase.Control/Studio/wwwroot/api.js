// Every call Studio makes: same origin, the session cookie (HttpOnly, so script never sees it) and the CSRF
// token, which lives only in this module's memory. Errors come back as Error with the server's message.
let csrf = null;
export const session = { publicUrl: null, dashboardUrl: null, expiresAt: null };

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error ?? `request failed (${status})`);
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

export async function api(method, path, body) {
  const headers = { 'X-CSRF-Token': csrf ?? '' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = { error: text }; }
  if (response.status === 401 && !path.endsWith('/session')) {
    csrf = null;
    window.dispatchEvent(new Event('studio:signed-out'));
  }
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
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
export const studio = (method, ref, path, body) => api(method, `/studio/api/projects/${encodeURIComponent(ref)}${path}`, body);

// Where clients reach a project's API: the configured public URL, else this page's origin (the gateway).
export function apiUrl(ref) {
  return session.publicUrl ? session.publicUrl.replaceAll('{ref}', ref) : window.location.origin;
}
