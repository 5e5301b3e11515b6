/**
 * The registry client against small loopback servers, for what a real registry cannot be made to do: rate limits,
 * failures, redirects to another origin, wrong digests, Bearer tokens, hangs and oversized answers.
 */
import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { inspectImageIndex, RegistryError } from "../provider/registry-client";
import { OCI_INDEX, OCI_MANIFEST, sha256 } from "./support/registry";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

interface Server {
  host: string;
  origin: string;
  requests: { url: string; authorization?: string }[];
  close(): Promise<void>;
}

async function serve(handler: Handler): Promise<Server> {
  const requests: Server["requests"] = [];
  const sockets = new Set<import("node:net").Socket>();
  const server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? "", authorization: req.headers.authorization });
    handler(req, res);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    origin: `http://${host}`,
    requests,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const index = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      {
        mediaType: OCI_MANIFEST,
        digest: `sha256:${"1".repeat(64)}`,
        size: 500,
        platform: { os: "linux", architecture: "amd64" },
      },
    ],
  }),
);
const indexDigest = sha256(index);

function sendIndex(res: http.ServerResponse, body = index, digest = sha256(body)) {
  res.writeHead(200, { "content-type": OCI_INDEX, "docker-content-digest": digest, "content-length": body.length });
  res.end(body);
}

const creds = { username: "AWS", password: "token" };
const BASIC = `Basic ${Buffer.from("AWS:token").toString("base64")}`;

describe("inspectImageIndex under registry faults", () => {
  const servers: Server[] = [];
  const start = async (h: Handler) => {
    const s = await serve(h);
    servers.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it("honours Retry-After on 429, then succeeds", async () => {
    let calls = 0;
    const s = await start((_req, res) => {
      if (++calls === 1) {
        res.writeHead(429, { "retry-after": "1" });
        return res.end('{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}');
      }
      sendIndex(res);
    });
    const t0 = Date.now();
    const info = await inspectImageIndex(`${s.host}/app:v1`, { plainHttp: true, credentials: creds });
    const elapsed = Date.now() - t0;
    assert.equal(info.digest, indexDigest);
    assert.equal(s.requests.length, 2);
    assert.ok(elapsed >= 950, `waited ${elapsed} ms, Retry-After asked for 1000`);
  });

  it("retries 5xx with backoff, then succeeds", async () => {
    let calls = 0;
    const s = await start((_req, res) => {
      if (++calls <= 2) {
        res.writeHead(503);
        return res.end();
      }
      sendIndex(res);
    });
    const info = await inspectImageIndex(`${s.host}/app:v1`, { plainHttp: true });
    assert.equal(info.digest, indexDigest);
    assert.equal(s.requests.length, 3);
  });

  it("gives up on a lasting 5xx after a bounded number of attempts, with the status and code", async () => {
    const s = await start((_req, res) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end('{"errors":[{"code":"UNKNOWN","message":"boom"}]}');
    });
    const err = await inspectImageIndex(`${s.host}/app:v1`, { plainHttp: true }).catch((e) => e);
    assert.ok(err instanceof RegistryError);
    assert.equal(err.status, 500);
    assert.equal(err.code, "UNKNOWN");
    assert.equal(s.requests.length, 4);
    assert.match(err.message, /answered 500 Internal Server Error: UNKNOWN boom after 4 attempts/);
    assert.match(err.message, new RegExp(`registry ${s.host}, repository app, reference ${s.host}/app:v1`));
  });

  it("retries a dropped connection", async () => {
    let calls = 0;
    const s = await start((req, res) => {
      if (++calls === 1) return req.socket.destroy();
      sendIndex(res);
    });
    const info = await inspectImageIndex(`${s.host}/app:v1`, { plainHttp: true });
    assert.equal(info.digest, indexDigest);
    assert.equal(calls, 2);
  });

  it("follows a blob redirect to another origin without sending the credentials there", async () => {
    const config = Buffer.from(JSON.stringify({ os: "linux", architecture: "arm64", variant: "v8" }));
    const storage = await start((_req, res) => {
      res.writeHead(200, { "content-length": config.length });
      res.end(config);
    });
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length },
        layers: [],
      }),
    );
    const registry = await start((req, res) => {
      if (req.url?.includes("/blobs/")) {
        res.writeHead(307, { location: `${storage.origin}/bucket/blob?X-Amz-Signature=abc` });
        return res.end();
      }
      res.writeHead(200, { "content-type": OCI_MANIFEST, "docker-content-digest": sha256(manifest) });
      res.end(manifest);
    });
    const info = await inspectImageIndex(`${registry.host}/app:v1`, { plainHttp: true, credentials: creds });
    assert.deepEqual(Object.keys(info.platforms), ["linux/arm64/v8"]);
    assert.equal(info.platforms["linux/arm64/v8"].digest, sha256(manifest));
    assert.deepEqual(
      registry.requests.map((r) => r.authorization),
      [BASIC, BASIC],
    );
    assert.equal(storage.requests.length, 1);
    assert.equal(storage.requests[0].authorization, undefined);
  });

  it("rejects a body whose bytes do not match the Docker-Content-Digest header", async () => {
    const s = await start((_req, res) => sendIndex(res, index, `sha256:${"f".repeat(64)}`));
    await assert.rejects(
      inspectImageIndex(`${s.host}/app:v1`, { plainHttp: true }),
      /Docker-Content-Digest header says sha256:f{64} but the bytes hash to sha256:/,
    );
  });

  it("rejects a body that does not hash to the digest asked for", async () => {
    const asked = `sha256:${"e".repeat(64)}`;
    const s = await start((_req, res) => {
      res.writeHead(200, { "content-type": OCI_INDEX });
      res.end(index);
    });
    await assert.rejects(
      inspectImageIndex(`${s.host}/app@${asked}`, { plainHttp: true }),
      new RegExp(`hash to ${indexDigest}, not to the digest asked for \\(${asked}\\)`),
    );
  });

  it("answers a Bearer challenge with a token from the realm", async () => {
    let tokenQuery: URLSearchParams | undefined;
    let tokenAuth: string | undefined;
    const auth = await start((req, res) => {
      const url = new URL(req.url ?? "", "http://x");
      tokenQuery = url.searchParams;
      tokenAuth = req.headers.authorization;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ token: "t0k3n", expires_in: 60 }));
    });
    const registry = await start((req, res) => {
      if (req.headers.authorization !== "Bearer t0k3n") {
        res.writeHead(401, {
          "www-authenticate": `Bearer realm="${auth.origin}/token",service="registry.test",scope="repository:team/app:pull"`,
        });
        return res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      }
      sendIndex(res);
    });
    const info = await inspectImageIndex(`${registry.host}/team/app:v1`, { plainHttp: true, credentials: creds });
    assert.equal(info.digest, indexDigest);
    assert.equal(tokenQuery?.get("service"), "registry.test");
    assert.equal(tokenQuery?.get("scope"), "repository:team/app:pull");
    assert.equal(tokenAuth, BASIC);
    assert.equal(registry.requests.at(-1)?.authorization, "Bearer t0k3n");
  });

  it("takes an anonymous Bearer token when no credentials are given", async () => {
    const auth = await start((req, res) => {
      assert.equal(req.headers.authorization, undefined);
      res.end(JSON.stringify({ access_token: "anon" }));
    });
    const registry = await start((req, res) => {
      if (req.headers.authorization !== "Bearer anon") {
        res.writeHead(401, { "www-authenticate": `Bearer realm="${auth.origin}/token",service="r"` });
        return res.end();
      }
      sendIndex(res);
    });
    const info = await inspectImageIndex(`${registry.host}/app:v1`, { plainHttp: true });
    assert.equal(info.digest, indexDigest);
    assert.equal(registry.requests[0].authorization, undefined);
  });

  it("never hangs past the timeout on a server that does not answer", async () => {
    const s = await start(() => {
      // accept the request and say nothing
    });
    const t0 = Date.now();
    const err = await inspectImageIndex(`${s.host}/app:v1`, { plainHttp: true, timeoutMs: 400 }).catch((e) => e);
    const elapsed = Date.now() - t0;
    assert.ok(err instanceof RegistryError, String(err));
    assert.match(err.message, /no complete answer within 400 ms/);
    assert.ok(elapsed < 1500, `took ${elapsed} ms`);
  });

  it("never hangs past the timeout on a body that stops half way", async () => {
    const s = await start((_req, res) => {
      res.writeHead(200, { "content-type": OCI_INDEX, "content-length": index.length });
      res.write(index.subarray(0, 10)); // and never the rest
    });
    const err = await inspectImageIndex(`${s.host}/app:v1`, { plainHttp: true, timeoutMs: 400 }).catch((e) => e);
    assert.ok(err instanceof RegistryError, String(err));
    assert.match(err.message, /no complete answer within 400 ms/);
  });

  it("refuses an oversized body, declared or streamed", async () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 0x20);
    const declared = await start((_req, res) => {
      res.writeHead(200, { "content-length": big.length });
      res.end(big);
    });
    await assert.rejects(
      inspectImageIndex(`${declared.host}/app:v1`, { plainHttp: true }),
      /is 5242880 bytes, more than the 4194304 this client reads/,
    );
    const streamed = await start((_req, res) => {
      res.writeHead(200, { "transfer-encoding": "chunked" });
      res.write(big.subarray(0, 3 * 1024 * 1024));
      res.end(big.subarray(3 * 1024 * 1024));
    });
    await assert.rejects(
      inspectImageIndex(`${streamed.host}/app:v1`, { plainHttp: true }),
      /sent more than the 4194304 bytes this client reads/,
    );
  });
});
