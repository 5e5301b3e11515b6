/**
 * A small OCI distribution client: reads an image index (or a single image manifest) from a registry and reports
 * the digest of every per-platform manifest and of every attestation manifest.
 *
 * It runs in three places: in a Pulumi program, inside the dynamic-provider host (serialized by value or required
 * from the package), and in the `pulumi-ecr-image inspect` command, whose cold start matters. So it uses Node's own
 * `node:http`/`node:https` (much faster to load than `fetch`), loads nothing else, and keeps no state between calls.
 */
import { createHash } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";

/** Registry credentials: Basic (ECR, htpasswd registries) or the username/password a Bearer token realm takes. */
export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface InspectImageIndexOptions {
  /** Credentials for the registry. Anonymous when absent. */
  credentials?: RegistryCredentials;
  /** Fail unless every one of these platforms (`os/arch[/variant]`) is in the image. */
  expectedPlatforms?: string[];
  /** Talk plain HTTP instead of HTTPS. Only for a local registry: credentials would travel in clear text. */
  plainHttp?: boolean;
  /** A deadline for the whole call, retries included. Default 30 000 ms. */
  timeoutMs?: number;
}

export interface PlatformManifest {
  digest: string;
  mediaType: string;
  size: number;
  /** `<registry>/<repository>@<digest>`: pull this to get exactly this platform. */
  ref: string;
}

export interface AttestationManifest {
  digest: string;
  mediaType: string;
  ref: string;
}

export interface ImageIndexInfo {
  /** The reference as given. */
  reference: string;
  /** `sha256:` of the exact manifest or index bytes the registry served. */
  digest: string;
  mediaType: string;
  /** `<registry>/<repository>@<digest>`. */
  ref: string;
  /** Per-platform image manifests, keyed `os/architecture[/variant]` (e.g. `linux/arm/v7`). */
  platforms: Record<string, PlatformManifest>;
  /** Attestation manifests (BuildKit provenance/SBOM), keyed by the platform whose manifest they describe. */
  attestations: Record<string, AttestationManifest>;
}

/** What a registry failure carries, so that callers (and people) can tell where it went wrong. */
export class RegistryError extends Error {
  constructor(
    message: string,
    readonly registry: string,
    readonly repository: string,
    readonly reference: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = "RegistryError";
  }
}

export interface ParsedReference {
  /** `host[:port]` */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export const MEDIA_TYPES = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
} as const;

/** Registry 2.8 answers MANIFEST_UNKNOWN for an OCI index unless the Accept list names it: always send them all. */
export const MANIFEST_ACCEPT = Object.values(MEDIA_TYPES).join(", ");

const DEFAULT_TIMEOUT_MS = 30_000;
/** Registries refuse manifests over 4 MiB (the OCI distribution spec's suggested limit); so does this client. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_CONFIG_BYTES = 8 * 1024 * 1024;
const MAX_TOKEN_BYTES = 1024 * 1024;
/** Attempts per request for 429, 5xx and connection errors (so at most 3 retries). */
const MAX_ATTEMPTS = 4;
const MAX_REDIRECTS = 5;
const BASE_BACKOFF_MS = 200;

const REFERENCE_HELP =
  "expected host[:port]/repository[:tag][@sha256:<64 hex>], e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest";
const HOST_RE =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?$|^\[[0-9a-fA-F:]+\](?::[0-9]{1,5})?$/;
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
/** The OCI (and ECR) tag rule: 1 to 128 of letters, digits, `.`, `_`, `-`, not starting with `.` or `-`. */
export const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

/** Parses `host[:port]/path[:tag][@sha256:<hex>]`. The host is required: there is no implicit Docker Hub. */
export function parseReference(reference: string): ParsedReference {
  const fail = (why: string): never => {
    throw new Error(`Invalid image reference "${reference}": ${why}; ${REFERENCE_HELP}`);
  };
  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) fail(`"${digest}" is not a sha256 digest`);
  }
  const slash = rest.indexOf("/");
  if (slash <= 0) fail("it has no registry host");
  const registry = rest.slice(0, slash);
  let path = rest.slice(slash + 1);
  if (!HOST_RE.test(registry)) fail(`"${registry}" is not a registry host[:port]`);
  let tag: string | undefined;
  const colon = path.lastIndexOf(":");
  if (colon >= 0) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!TAG_RE.test(tag)) fail(`"${tag}" is not a valid tag`);
  }
  if (path === "" || !path.split("/").every((c) => PATH_COMPONENT_RE.test(c))) {
    fail(`"${path}" is not a repository path (lowercase letters, digits and separators . _ __ - /)`);
  }
  return { registry, repository: path, tag, digest };
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** `os/architecture[/variant]`, as docker writes platforms. */
export function platformKey(p: { os?: string; architecture?: string; variant?: string }): string {
  return [p.os ?? "unknown", p.architecture ?? "unknown", ...(p.variant ? [p.variant] : [])].join("/");
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

interface Response {
  status: number;
  /** How many tries it took (retries of 429, 5xx and connection errors). */
  attempts: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  url: URL;
}

/** Everything one call shares: where it talks, how it authenticates, and its deadline. */
interface Session {
  ref: ParsedReference;
  reference: string;
  base: string;
  credentials?: RegistryCredentials;
  /** The Authorization header for the registry's origin, once known (Basic up front, or a Bearer token). */
  authorization?: string;
  deadline: number;
  timeoutMs: number;
  signal: AbortSignal;
}

export async function inspectImageIndex(
  reference: string,
  options: InspectImageIndexOptions = {},
): Promise<ImageIndexInfo> {
  const ref = parseReference(reference);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const scheme = options.plainHttp ? "http" : "https";
  const session: Session = {
    ref,
    reference,
    base: `${scheme}://${ref.registry}`,
    credentials: options.credentials,
    authorization: options.credentials ? basic(options.credentials) : undefined,
    deadline: Date.now() + timeoutMs,
    timeoutMs,
    signal: controller.signal,
  };
  try {
    const info = await readImage(session);
    checkExpectedPlatforms(session, info, options.expectedPlatforms ?? []);
    return info;
  } finally {
    clearTimeout(timer);
  }
}

async function readImage(s: Session): Promise<ImageIndexInfo> {
  const wanted = s.ref.digest ?? s.ref.tag ?? "latest";
  const res = await get(s, `/v2/${s.ref.repository}/manifests/${wanted}`, MANIFEST_ACCEPT, MAX_MANIFEST_BYTES);
  const digest = sha256Digest(res.body);
  if (s.ref.digest && s.ref.digest !== digest) {
    throw fail(s, `the manifest bytes hash to ${digest}, not to the digest asked for (${s.ref.digest})`, res.status);
  }
  const headerDigest = res.headers["docker-content-digest"];
  if (typeof headerDigest === "string" && headerDigest !== "" && headerDigest !== digest) {
    throw fail(s, `the Docker-Content-Digest header says ${headerDigest} but the bytes hash to ${digest}`, res.status);
  }
  const doc = parseJson(s, res.body, "manifest") as {
    mediaType?: string;
    manifests?: Descriptor[];
    config?: Descriptor;
  };
  const mediaType = doc.mediaType ?? String(res.headers["content-type"] ?? "").split(";")[0];
  const info: ImageIndexInfo = {
    reference: s.reference,
    digest,
    mediaType,
    ref: refOf(s, digest),
    platforms: {},
    attestations: {},
  };
  if (Array.isArray(doc.manifests)) {
    splitIndex(s, info, doc.manifests);
  } else if (doc.config && typeof doc.config.digest === "string") {
    const platform = await readConfigPlatform(s, doc.config);
    info.platforms[platform] = { digest, mediaType, size: res.body.length, ref: info.ref };
  } else {
    throw fail(s, `unsupported manifest media type "${mediaType}" (expected an image index or an image manifest)`);
  }
  return info;
}

/** Splits an index into platform images and attestation manifests (keyed by the platform they describe). */
function splitIndex(s: Session, info: ImageIndexInfo, manifests: Descriptor[]): void {
  const attestations: Descriptor[] = [];
  const platformByDigest = new Map<string, string>();
  for (const m of manifests) {
    if (m.annotations?.["vnd.docker.reference.type"] === "attestation-manifest") {
      attestations.push(m);
      continue;
    }
    const key = platformKey(m.platform ?? {});
    // An index may list one platform twice (e.g. Windows OS versions): the first entry is the one a pull picks.
    if (info.platforms[key]) continue;
    info.platforms[key] = {
      digest: m.digest,
      mediaType: m.mediaType ?? "",
      size: m.size,
      ref: refOf(s, m.digest),
    };
    platformByDigest.set(m.digest, key);
  }
  for (const a of attestations) {
    const described = a.annotations?.["vnd.docker.reference.digest"] ?? "";
    const key = platformByDigest.get(described) ?? described;
    info.attestations[key] = { digest: a.digest, mediaType: a.mediaType ?? "", ref: refOf(s, a.digest) };
  }
}

async function readConfigPlatform(s: Session, config: Descriptor): Promise<string> {
  const res = await get(s, `/v2/${s.ref.repository}/blobs/${config.digest}`, "*/*", MAX_CONFIG_BYTES);
  const got = sha256Digest(res.body);
  if (got !== config.digest) {
    throw fail(s, `the config blob hashes to ${got}, not to its digest ${config.digest}`, res.status);
  }
  const doc = parseJson(s, res.body, `config blob ${config.digest}`) as {
    os?: string;
    architecture?: string;
    variant?: string;
  };
  return platformKey(doc);
}

function checkExpectedPlatforms(s: Session, info: ImageIndexInfo, expected: string[]): void {
  const missing = expected.filter((p) => !info.platforms[p]);
  if (missing.length > 0) {
    const present = Object.keys(info.platforms).join(", ") || "none";
    throw fail(
      s,
      `${info.ref} has no manifest for ${missing.join(", ")} (it has: ${present}); build those platforms or remove them from the expected platforms`,
    );
  }
}

function refOf(s: Session, digest: string): string {
  return `${s.ref.registry}/${s.ref.repository}@${digest}`;
}

function basic(c: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;
}

function parseJson(s: Session, body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw fail(s, `the ${what} is not valid JSON (${(e as Error).message})`);
  }
}

function fail(s: Session, why: string, status?: number, code?: string): RegistryError {
  const where = `registry ${s.ref.registry}, repository ${s.ref.repository}, reference ${s.reference}`;
  return new RegistryError(`${why} (${where})`, s.ref.registry, s.ref.repository, s.reference, status, code);
}

/**
 * GET from the registry: authenticates (Basic up front when credentials are given; a Bearer challenge answered
 * once), follows redirects (credentials never cross to another origin), and retries what is worth retrying.
 */
async function get(s: Session, path: string, accept: string, maxBytes: number): Promise<Response> {
  let res = await send(s, new URL(s.base + path), accept, maxBytes);
  if (res.status === 401) {
    const challenge = String(res.headers["www-authenticate"] ?? "");
    if (/^bearer\s/i.test(challenge) && !s.authorization?.startsWith("Bearer ")) {
      s.authorization = `Bearer ${await fetchToken(s, challenge)}`;
      res = await send(s, new URL(s.base + path), accept, maxBytes);
    }
  }
  if (res.status >= 200 && res.status < 300) return res;
  throw httpError(s, res, path);
}

/** One logical request: redirects followed and transient failures retried, within the call's deadline. */
async function send(s: Session, url: URL, accept: string, maxBytes: number): Promise<Response> {
  const origin = new URL(s.base).origin;
  for (let hops = 0; ; hops++) {
    const headers: Record<string, string> = { accept, "user-agent": "pulumi-ecr-image" };
    if (url.origin === origin && s.authorization) headers.authorization = s.authorization;
    const res = await withRetries(s, url, () => request(s, url, headers, maxBytes));
    const location = res.headers.location;
    if (res.status >= 300 && res.status < 400 && location) {
      if (hops >= MAX_REDIRECTS) throw fail(s, `more than ${MAX_REDIRECTS} redirects from ${url.href}`, res.status);
      url = new URL(location, url);
      continue;
    }
    return res;
  }
}

async function withRetries(s: Session, url: URL, attempt: () => Promise<Response>): Promise<Response> {
  for (let n = 1; ; n++) {
    let res: Response | undefined;
    let error: Error | undefined;
    try {
      res = await attempt();
    } catch (e) {
      if (e instanceof RegistryError) throw e;
      if (s.signal.aborted) throw timeoutError(s);
      error = e as Error;
    }
    if (res) res.attempts = n;
    const retryable = error !== undefined || (res !== undefined && (res.status === 429 || res.status >= 500));
    if (!retryable && res) return res;
    const wait = retryDelay(res, n);
    if (n >= MAX_ATTEMPTS || Date.now() + wait >= s.deadline) {
      if (res) return res; // the caller turns the last status into an error that says how many attempts it took
      throw fail(
        s,
        `cannot reach ${url.origin} after ${n} attempt(s): ${error?.message}; check the host, the port and the scheme (--plain-http / plainHttp is for local HTTP registries)`,
      );
    }
    await sleep(s, wait);
  }
}

/** Retry-After (seconds or an HTTP date) when the registry gives one, else exponential backoff with jitter. */
function retryDelay(res: Response | undefined, attempt: number): number {
  const header = res?.headers["retry-after"];
  if (typeof header === "string" && header.trim() !== "") {
    const seconds = Number(header);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
    if (Number.isFinite(ms)) return Math.max(0, ms);
  }
  return BASE_BACKOFF_MS * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
}

function sleep(s: Session, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    s.signal.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(timeoutError(s));
      },
      { once: true },
    );
  });
}

function timeoutError(s: Session): RegistryError {
  return fail(
    s,
    `no complete answer within ${s.timeoutMs} ms; check that the registry is reachable or raise timeoutMs`,
  );
}

function request(s: Session, url: URL, headers: Record<string, string>, maxBytes: number): Promise<Response> {
  return new Promise((resolve, reject) => {
    if (s.signal.aborted) return reject(timeoutError(s));
    // Node's global agents keep connections alive between calls (an ImageIndex per component, one host) and
    // unref idle sockets, so a command exits as soon as it is done.
    const mod = url.protocol === "http:" ? http : https;
    const req = mod.request(url, { method: "GET", headers, signal: s.signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const declared = Number(res.headers["content-length"] ?? 0);
      if (declared > maxBytes) {
        res.destroy();
        return reject(fail(s, `${url.href} is ${declared} bytes, more than the ${maxBytes} this client reads`));
      }
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          res.destroy();
          reject(fail(s, `${url.href} sent more than the ${maxBytes} bytes this client reads`));
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, attempts: 1, headers: res.headers, body: Buffer.concat(chunks), url }),
      );
      res.on("error", (e) => reject(s.signal.aborted ? timeoutError(s) : e));
    });
    req.on("error", (e) => reject(s.signal.aborted ? timeoutError(s) : e));
    req.end();
  });
}

/** Answers a `WWW-Authenticate: Bearer realm=...,service=...,scope=...` challenge with a token from the realm. */
async function fetchToken(s: Session, challenge: string): Promise<string> {
  const params: Record<string, string> = {};
  for (const m of challenge.slice(challenge.indexOf(" ") + 1).matchAll(/(\w+)="([^"]*)"/g)) params[m[1]] = m[2];
  if (!params.realm) throw fail(s, `the registry's Bearer challenge has no realm: ${challenge}`, 401);
  const realm = new URL(params.realm);
  if (params.service) realm.searchParams.set("service", params.service);
  realm.searchParams.set("scope", params.scope ?? `repository:${s.ref.repository}:pull`);
  const headers: Record<string, string> = { accept: "application/json", "user-agent": "pulumi-ecr-image" };
  if (s.credentials) headers.authorization = basic(s.credentials);
  const res = await withRetries(s, realm, () => request(s, realm, headers, MAX_TOKEN_BYTES));
  if (res.status !== 200) throw httpError(s, res, realm.href);
  const body = parseJson(s, res.body, `token from ${realm.origin}`) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token) throw fail(s, `the token service ${realm.origin} answered without a token`, res.status);
  return token;
}

const HINTS: Record<number, string> = {
  401: "check the credentials (an ECR token from GetAuthorizationToken is valid for 12 hours)",
  403: "the credentials are valid but may not pull from this repository: check its permissions",
  404: "check that the repository exists and that this tag or digest was pushed",
  429: "the registry is rate limiting: retry later",
};

function httpError(s: Session, res: Response, what: string): RegistryError {
  let code: string | undefined;
  let detail = "";
  try {
    const errors = (JSON.parse(res.body.toString("utf8")) as { errors?: { code?: string; message?: string }[] }).errors;
    if (errors?.[0]) {
      code = errors[0].code;
      detail = `: ${errors.map((e) => `${e.code} ${e.message ?? ""}`.trim()).join("; ")}`;
    }
  } catch {
    // not a registry error body: the status says enough
  }
  const hint = HINTS[res.status] ?? (res.status >= 500 ? "the registry failed; retry later" : "");
  const retried = res.attempts > 1 ? ` after ${res.attempts} attempts` : "";
  const name = http.STATUS_CODES[res.status] ?? "";
  return fail(
    s,
    `GET ${what} answered ${res.status} ${name}${detail}${retried}${hint ? `; ${hint}` : ""}`,
    res.status,
    code,
  );
}
