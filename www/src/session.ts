// Signing in to the sendgate worker with a workspace key. The key is kept in sessionStorage
// (this tab only, gone when it closes) and sent as a bearer header to the worker that serves
// this page. Only a workspace key is accepted here: the platform's API key and the admin key
// act on every workspace and never belong in a browser, so anything else is refused before it
// is sent anywhere.

export interface Session {
  key: string;
  workspace_id: string;
  name: string | null;
  scopes: string[];
}

/** An answer the dashboard explains to the merchant (wrong or revoked key, missing scope…). */
export class SessionError extends Error {
  /** True when the key no longer works: the session is over. */
  readonly signedOut: boolean;

  constructor(message: string, signedOut = false) {
    super(message);
    this.name = "SessionError";
    this.signedOut = signedOut;
  }
}

const STORE = "sendgate.workspaceKey";
/** Where an earlier dashboard kept the platform's API key: removed, never read. */
const OLD_STORE = "sendgate.apiKey";
const WORKSPACE_KEY = /^sgk_[0-9a-f]{16}_[0-9a-f]{64}_[A-Za-z0-9_.-]{1,64}$/;

export function storedKey(): string | null {
  sessionStorage.removeItem(OLD_STORE);
  return sessionStorage.getItem(STORE);
}

export function signOut(): void {
  sessionStorage.removeItem(STORE);
  setActive(null);
}

// The signed-in session the worker-backed panels share (failures, account, campaigns).
let active: Session | null = null;
const watchers = new Set<(s: Session | null) => void>();

export function activeSession(): Session | null {
  return active;
}

export function setActive(s: Session | null): void {
  active = s;
  for (const fn of watchers) fn(s);
}

/** Calls `fn` now and whenever the session starts or ends. */
export function onSession(fn: (s: Session | null) => void): void {
  watchers.add(fn);
  fn(active);
}

function workerUrl(path: string): URL {
  return new URL(path.replace(/^\//, ""), new URL("/", location.href));
}

async function errorOf(res: Response): Promise<{ code?: string; message?: string; path?: string }> {
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; path?: string } };
    return body.error ?? {};
  } catch {
    return {};
  }
}

/** The worker's answer for `path` (GET, or POST with `body` as JSON), or a SessionError that
 *  says what to do. */
export async function workerFetch(key: string, path: string, what: string, body?: unknown): Promise<Response> {
  let res: Response;
  const init: RequestInit = { headers: { authorization: `Bearer ${key}` }, cache: "no-store" };
  if (body !== undefined) {
    init.method = "POST";
    init.headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    init.body = JSON.stringify(body);
  }
  try {
    res = await fetch(workerUrl(path), init);
  } catch {
    throw new SessionError("the sendgate worker could not be reached — is this page served by the sendgate worker?");
  }
  if (res.ok) return res;
  const error = await errorOf(res);
  if (res.status === 401) {
    throw new SessionError("this workspace key was not accepted: it is wrong or has been revoked. Ask your platform for a new key and sign in again.", true);
  }
  if (res.status === 403 && error.code === "insufficient_scope") {
    const scope = /"(\w+)"/.exec(error.message ?? "")?.[1] ?? "a needed";
    throw new SessionError(`this workspace key cannot ${what}: it does not have the ${scope} scope. Ask your platform for a key with it.`);
  }
  if (res.status === 403) throw new SessionError(`this workspace key may not ${what}${error.message ? ` (${error.message})` : ""}.`);
  if (res.status === 429) {
    const wait = res.headers.get("retry-after");
    throw new SessionError(`too many failed sign-ins from this network; try again${wait ? ` in ${wait} s` : " later"}.`);
  }
  if ((res.status === 400 || res.status === 404 || res.status === 409 || res.status === 422) && error.message) {
    // The worker's own answer about the request (bad field, unknown campaign…).
    throw new SessionError(`could not ${what}: ${error.message}${error.path ? ` (field ${error.path})` : ""}.`);
  }
  throw new SessionError(`HTTP ${res.status} — is this page served by the sendgate worker?`);
}

/** Checks the key with the worker (GET /v1/workspace) and keeps it for this tab. */
export async function signIn(key: string): Promise<Session> {
  const k = key.trim();
  if (!WORKSPACE_KEY.test(k)) {
    throw new SessionError(
      "this is not a workspace key. Workspace keys start with sgk_ and name your workspace; the platform's API key and the admin key are never entered here.",
    );
  }
  const res = await workerFetch(k, "/v1/workspace", "sign in");
  const me = (await res.json()) as { workspace_id?: unknown; name?: unknown; key?: { scopes?: unknown } | null };
  if (typeof me.workspace_id !== "string" || !me.key || !Array.isArray(me.key.scopes)) {
    throw new SessionError("the answer is not the sendgate worker's — is this page served by the sendgate worker?");
  }
  sessionStorage.setItem(STORE, k);
  const session: Session = { key: k, workspace_id: me.workspace_id, name: typeof me.name === "string" ? me.name : null, scopes: me.key.scopes.filter((s): s is string => typeof s === "string") };
  setActive(session);
  return session;
}
