// HTTP plumbing shared by the routes: JSON answers, the error shape, body limits, auth compares.

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;

  constructor(status: number, code: string, message: string, path?: string, headers?: Record<string, string>) {
    super(message);
    this.status = status;
    this.code = code;
    this.path = path;
    this.headers = headers;
  }
}

export function errorBody(code: string, message: string, path?: string) {
  return { error: path === undefined ? { code, message } : { code, message, path } };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "x-content-type-options": "nosniff", ...headers },
  });
}

export function answer(a: Answer): Response {
  return json(a.status, a.body, a.headers);
}

export function fromError(e: HttpError): Response {
  return json(e.status, errorBody(e.code, e.message, e.path), e.headers);
}

/** The package throws these for malformed input; they become 400 with the field path. */
export function isInputError(e: unknown): e is Error & { path: string } {
  return e instanceof Error && e.name === "SendgateInputError";
}

export function inputErrorAnswer(e: Error & { path: string }): Answer {
  return { status: 400, body: errorBody("invalid_request", e.message, e.path) };
}

/** Past the limit an upload is still read (and dropped) up to this much more, so the 413 goes
 *  out after the client finished sending; answering mid-upload makes clients see a reset instead. */
const DRAIN_CAP = 4 * 1024 * 1024;

/** Reads the body, refusing more than `limit` bytes with 413. */
export async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const tooLarge = () => new HttpError(413, "payload_too_large", `body exceeds ${limit} bytes`);
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > limit + DRAIN_CAP) throw tooLarge();
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit + DRAIN_CAP) {
      await reader.cancel();
      throw tooLarge();
    }
    if (size <= limit) chunks.push(value);
  }
  if (size > limit) throw tooLarge();
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** An answer sent before the body was read (a 401, a 404) can reach a client that is still
 *  uploading as a lost connection instead; discarding a small unread body first lets the answer
 *  arrive. A larger one is left unread (the client may see its upload cut off). */
export async function discardUnreadBody(request: Request, cap: number): Promise<void> {
  if (!request.body || request.bodyUsed) return;
  if (Number(request.headers.get("content-length") ?? 0) > cap) return;
  const reader = request.body.getReader();
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    size += value.byteLength;
    if (size > cap) {
      await reader.cancel();
      return;
    }
  }
}

/** Deeper than any real send request (≈ 4 levels); without a bound, canonical() and the package
 *  recurse once per level and a 64 KiB body of brackets overflows the stack (a 500). */
export const MAX_JSON_DEPTH = 32;

/** Whether `value` nests arrays/objects deeper than `max` (iterative: no recursion to overflow). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

export async function readJsonObject(request: Request, limit: number): Promise<Record<string, unknown>> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpError(415, "unsupported_media_type", "content-type must be application/json");
  }
  const bytes = await readBody(request, limit);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    throw new HttpError(400, "invalid_json", "body is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(400, "invalid_request", "body must be a JSON object", "");
  }
  if (nestedDeeperThan(value, MAX_JSON_DEPTH)) {
    throw new HttpError(400, "invalid_request", `body nests deeper than ${MAX_JSON_DEPTH} levels`, "");
  }
  return value as Record<string, unknown>;
}

const encoder = new TextEncoder();

/** Constant-time string equality: both sides are hashed first so lengths never leak. */
export async function safeEqual(a: string, b: string): Promise<boolean> {
  const [ha, hb] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  return crypto.subtle.timingSafeEqual(ha, hb);
}

export function hex(buf: ArrayBuffer): string {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** X-Hub-Signature-256: `sha256=<hex HMAC-SHA256 of the raw body, keyed with the app secret>`. */
export async function validSignature(secret: string, body: Uint8Array, header: string | null): Promise<boolean> {
  if (!secret || !header?.startsWith("sha256=")) return false;
  const given = header.slice("sha256=".length).trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(given)) return false;
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, body));
  const givenBytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) givenBytes[i] = parseInt(given.slice(i * 2, i * 2 + 2), 16);
  return crypto.subtle.timingSafeEqual(mac, givenBytes);
}

/** Stable JSON (sorted keys) so the same request hashes the same whatever the key order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .filter((k) => obj[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

export async function sha256Hex(text: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}
