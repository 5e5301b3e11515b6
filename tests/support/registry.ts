/**
 * A real OCI registry for the tests: Debian's docker-registry (distribution 2.8) on a free loopback port, with TLS
 * (the certificate authority scripts/with-test-tls.mjs made and Node trusts) and htpasswd Basic auth, the way ECR authenticates.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as https from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const USER = "ci";
export const PASSWORD = "s3cret-Passw0rd";

export interface TestRegistry {
  /** `127.0.0.1:<port>` */
  host: string;
  credentials: { username: string; password: string };
  /** Restarts the registry on the same port and storage with a new password (a rotated ECR-style token). */
  rotatePassword(password: string): Promise<void>;
  stop(): Promise<void>;
}

export function tlsDir(): string {
  const dir = process.env.TEST_TLS_DIR;
  if (!dir)
    throw new Error(
      "TEST_TLS_DIR is not set: run the tests with npm test (scripts/with-test-tls.mjs makes the TLS files)",
    );
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * Starts the registry on a free loopback port. `hostname` names it instead of 127.0.0.1 (it must resolve to
 * 127.0.0.1, and be in the test certificate): Go's registry clients talk plain HTTP to any host that *is* a loopback
 * address, so the end-to-end lane gives them a name.
 */
export async function startRegistry(hostname = "127.0.0.1"): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), "pulumi-ecr-image-registry-"));
  const port = await freePort();
  const host = `${hostname}:${port}`;
  const tls = tlsDir();
  writeFileSync(
    join(dir, "config.yml"),
    [
      "version: 0.1",
      "log: { level: error }",
      `storage: { filesystem: { rootdirectory: ${join(dir, "data")} }, delete: { enabled: true } }`,
      `http: { addr: "127.0.0.1:${port}", tls: { certificate: ${join(tls, "cert.pem")}, key: ${join(tls, "key.pem")} } }`,
      `auth: { htpasswd: { realm: test-registry, path: ${join(dir, "htpasswd")} } }`,
    ].join("\n"),
  );
  const credentials = { username: USER, password: PASSWORD };
  let stopChild = await launch(dir, host, credentials);
  return {
    host,
    credentials,
    async rotatePassword(password: string) {
      await stopChild();
      credentials.password = password;
      stopChild = await launch(dir, host, credentials);
    },
    async stop() {
      await stopChild();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts docker-registry with the config in `dir` and waits until it answers; returns how to stop it. */
async function launch(
  dir: string,
  host: string,
  credentials: TestRegistry["credentials"],
): Promise<() => Promise<void>> {
  let htpasswd: string;
  try {
    htpasswd = execFileSync("htpasswd", ["-Bbn", credentials.username, credentials.password]).toString();
  } catch (e) {
    throw new Error(`cannot run htpasswd (apt-get install -y apache2-utils): ${(e as Error).message}`);
  }
  writeFileSync(join(dir, "htpasswd"), htpasswd);
  const child: ChildProcess = spawn("docker-registry", ["serve", join(dir, "config.yml")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  child.once("error", (e) => {
    stderr += `\n${e.message}: is docker-registry installed (apt-get install -y docker-registry)?`;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const status = await probe(host).catch(() => 0);
    if (status === 401) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`the test registry did not start on ${host}: ${stderr.trim() || `status ${status}`}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return async () => {
    child.kill();
    await exited;
  };
}

function probe(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    https
      .get(`https://${host}/v2/`, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on("error", reject);
  });
}

/** Minimal pushing, for fixtures: the product only reads. */
export class Pusher {
  constructor(
    readonly registry: TestRegistry,
    readonly repository: string,
  ) {}

  private request(
    method: string,
    path: string,
    body?: Buffer,
    contentType?: string,
    accept?: string,
  ): Promise<{ status: number; location?: string; contentType?: string; body: Buffer; text: string }> {
    const { username, password } = this.registry.credentials;
    const url = path.startsWith("https://") ? path : `https://${this.registry.host}${path}`;
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          headers: {
            authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`,
            ...(contentType ? { "content-type": contentType } : {}),
            ...(accept ? { accept } : {}),
            "content-length": String(body?.length ?? 0),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (d: Buffer) => chunks.push(d));
          res.on("end", () => {
            const all = Buffer.concat(chunks);
            resolve({
              status: res.statusCode ?? 0,
              location: res.headers.location,
              contentType: res.headers["content-type"],
              body: all,
              text: all.toString("utf8"),
            });
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  /** GETs a manifest (with the full Accept list) or a blob of this repository. */
  async get(kind: "manifests" | "blobs", reference: string): Promise<{ contentType?: string; body: Buffer }> {
    const accept = [OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST].join(", ");
    const res = await this.request("GET", `/v2/${this.repository}/${kind}/${reference}`, undefined, undefined, accept);
    if (res.status !== 200) throw new Error(`GET ${kind}/${reference}: ${res.status} ${res.text}`);
    return res;
  }

  async blob(content: Buffer): Promise<{ digest: string; size: number }> {
    const digest = sha256(content);
    const start = await this.request("POST", `/v2/${this.repository}/blobs/uploads/`);
    if (start.status !== 202 || !start.location) throw new Error(`blob upload start: ${start.status} ${start.text}`);
    const location = new URL(start.location, `https://${this.registry.host}`);
    location.searchParams.set("digest", digest);
    const put = await this.request("PUT", location.href, content, "application/octet-stream");
    if (put.status !== 201) throw new Error(`blob upload: ${put.status} ${put.text}`);
    return { digest, size: content.length };
  }

  /** Pushes a manifest under a tag, or by its digest when no tag is given (as BuildKit pushes an index's children). */
  async manifest(tag: string | undefined, mediaType: string, doc: object): Promise<Descriptor> {
    const body = Buffer.from(JSON.stringify(doc));
    const reference = tag ?? sha256(body);
    const res = await this.request("PUT", `/v2/${this.repository}/manifests/${reference}`, body, mediaType);
    if (res.status !== 201) throw new Error(`manifest ${reference}: ${res.status} ${res.text}`);
    return { mediaType, digest: sha256(body), size: body.length };
  }
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export function sha256(b: Buffer): string {
  return `sha256:${createHash("sha256").update(b).digest("hex")}`;
}

export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
export const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
export const DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
export const DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

export function parsePlatform(p: string): PlatformSpec {
  const [os, architecture, variant] = p.split("/");
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** Pushes one single-platform image manifest (OCI or Docker types) with a real config blob and one layer. */
export async function pushImage(pusher: Pusher, platform: string, docker = false, tag?: string): Promise<Descriptor> {
  const spec = parsePlatform(platform);
  const config = await pusher.blob(
    Buffer.from(
      JSON.stringify({
        ...spec,
        rootfs: { type: "layers", diff_ids: [] },
        config: {},
        created: new Date().toISOString(),
      }),
    ),
  );
  const layer = await pusher.blob(randomBytes(64));
  return pusher.manifest(tag, docker ? DOCKER_MANIFEST : OCI_MANIFEST, {
    schemaVersion: 2,
    mediaType: docker ? DOCKER_MANIFEST : OCI_MANIFEST,
    config: { mediaType: docker ? DOCKER_CONFIG : OCI_CONFIG, ...config },
    layers: [{ mediaType: docker ? DOCKER_LAYER : OCI_LAYER, ...layer }],
  });
}

/** Pushes an index shaped like BuildKit's: one image per platform, plus an attestation manifest for each. */
export async function pushBuildkitIndex(pusher: Pusher, tag: string, platforms: string[]) {
  const images: Record<string, Descriptor> = {};
  const attestations: Record<string, Descriptor> = {};
  for (const p of platforms) images[p] = await pushImage(pusher, p);
  for (const p of platforms) {
    const config = await pusher.blob(
      Buffer.from(
        JSON.stringify({
          architecture: "unknown",
          os: "unknown",
          config: {},
          rootfs: { type: "layers", diff_ids: [] },
        }),
      ),
    );
    const statement = await pusher.blob(
      Buffer.from(
        JSON.stringify({ _type: "https://in-toto.io/Statement/v0.1", subject: [{ digest: images[p].digest }] }),
      ),
    );
    attestations[p] = await pusher.manifest(undefined, OCI_MANIFEST, {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, ...config },
      layers: [
        {
          mediaType: "application/vnd.in-toto+json",
          ...statement,
          annotations: { "in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2" },
        },
      ],
    });
  }
  const index = await pusher.manifest(tag, OCI_INDEX, {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      ...platforms.map((p) => ({ ...images[p], platform: parsePlatform(p) })),
      ...platforms.map((p) => ({
        ...attestations[p],
        platform: { architecture: "unknown", os: "unknown" },
        annotations: {
          "vnd.docker.reference.digest": images[p].digest,
          "vnd.docker.reference.type": "attestation-manifest",
        },
      })),
    ],
  });
  return { index, images, attestations };
}

/** Pushes a Docker manifest list (no attestations), as older docker builds and many public images have. */
export async function pushDockerList(pusher: Pusher, tag: string, platforms: string[]) {
  const images: Record<string, Descriptor> = {};
  for (const p of platforms) images[p] = await pushImage(pusher, p, true);
  const index = await pusher.manifest(tag, DOCKER_LIST, {
    schemaVersion: 2,
    mediaType: DOCKER_LIST,
    manifests: platforms.map((p) => ({ ...images[p], platform: parsePlatform(p) })),
  });
  return { index, images };
}
