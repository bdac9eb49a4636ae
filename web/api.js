// The dashboard's only way to the server: same-origin fetches with the
// session cookie; the CSRF value from the session answer goes with every
// request that changes something. The token itself is sent once, in the
// Authorization header of the sign-in, and never stored.
let csrf = null;

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `the server answered ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function parse(res) {
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('json')) return res.json();
  return res.text();
}

export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (method !== 'GET' && method !== 'HEAD' && csrf) h['X-Needlewatch-CSRF'] = csrf;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method, headers: h, credentials: 'same-origin', cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await parse(res).catch(() => null);
  if (!res.ok) throw new ApiError(res.status, typeof data === 'object' ? data : null);
  return data;
}

export async function signIn(token) {
  const res = await fetch('/dashboard/session', {
    method: 'POST', credentials: 'same-origin', cache: 'no-store',
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
  });
  const data = await parse(res).catch(() => null);
  if (!res.ok) throw new ApiError(res.status, typeof data === 'object' ? data : null);
  csrf = data.csrf;
  return data;
}

export async function whoami() {
  const data = await api('/dashboard/session');
  csrf = data.csrf;
  return data;
}

export async function signOut() {
  try {
    await api('/dashboard/session', { method: 'DELETE' });
  } finally {
    csrf = null;
  }
}
