/**
 * The ImageIndex dynamic resource: its provider's diff (a rotated token is no change), its create and update against
 * the real registry, and the serialized provider text the dynamic-provider host runs.
 */
import * as assert from "node:assert/strict";
import Module from "node:module";
import type * as pulumi from "@pulumi/pulumi";
import type * as ii from "../provider/image-index";
import { only, setMocks, TYPES } from "./support/mocks";
import { Pusher, pushBuildkitIndex, startRegistry, type TestRegistry } from "./support/registry";

let imageIndex: typeof ii;
before(async () => {
  setMocks(false);
  imageIndex = await import("../provider/image-index.js");
});

const olds = {
  repositoryUrl: "127.0.0.1:5000/app",
  digest: `sha256:${"a".repeat(64)}`,
  expectedPlatforms: ["linux/amd64", "linux/arm64"],
  plainHttp: false,
  mediaType: "application/vnd.oci.image.index.v1+json",
  platformDigests: {},
  platformRefs: {},
  attestationDigests: {},
};
const news = {
  repositoryUrl: olds.repositoryUrl,
  digest: olds.digest,
  expectedPlatforms: ["linux/arm64", "linux/amd64"],
  plainHttp: false,
  credentials: { username: "AWS", password: "a-new-token" },
};

describe("ImageIndex provider diff", () => {
  const diff = (n: object) => imageIndex.imageIndexProvider.diff?.("id", olds, n);

  it("sees no change when only the credentials (a new ECR token) changed", async () => {
    assert.deepEqual(await diff(news), { changes: false });
  });

  it("sees a new digest", async () => {
    assert.deepEqual(await diff({ ...news, digest: `sha256:${"b".repeat(64)}` }), { changes: true });
  });

  it("sees a new repository, expected platform set or transport", async () => {
    assert.equal((await diff({ ...news, repositoryUrl: "127.0.0.1:5000/other" }))?.changes, true);
    assert.equal((await diff({ ...news, expectedPlatforms: ["linux/amd64"] }))?.changes, true);
    assert.equal((await diff({ ...news, plainHttp: true }))?.changes, true);
  });

  it("sees an unknown digest (a rebuild in preview) as a change", async () => {
    assert.equal((await diff({ ...news, digest: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }))?.changes, true);
  });
});

describe("ImageIndex against the real registry", () => {
  let registry: TestRegistry;
  let pushed: Awaited<ReturnType<typeof pushBuildkitIndex>>;
  let second: Awaited<ReturnType<typeof pushBuildkitIndex>>;
  const repositoryUrl = () => `${registry.host}/team/app`;

  before(async () => {
    registry = await startRegistry();
    const pusher = new Pusher(registry, "team/app");
    pushed = await pushBuildkitIndex(pusher, "v1", ["linux/amd64", "linux/arm64"]);
    second = await pushBuildkitIndex(pusher, "v2", ["linux/amd64", "linux/arm64"]);
  });
  after(async () => registry?.stop());

  const expectedOuts = (p: typeof pushed) => ({
    repositoryUrl: repositoryUrl(),
    digest: p.index.digest,
    expectedPlatforms: ["linux/amd64", "linux/arm64"],
    plainHttp: false,
    mediaType: "application/vnd.oci.image.index.v1+json",
    platformDigests: { "linux/amd64": p.images["linux/amd64"].digest, "linux/arm64": p.images["linux/arm64"].digest },
    platformRefs: {
      "linux/amd64": `${repositoryUrl()}@${p.images["linux/amd64"].digest}`,
      "linux/arm64": `${repositoryUrl()}@${p.images["linux/arm64"].digest}`,
    },
    attestationDigests: {
      "linux/amd64": p.attestations["linux/amd64"].digest,
      "linux/arm64": p.attestations["linux/arm64"].digest,
    },
  });

  it("creates: records the per-platform digests and never the credentials", async () => {
    const result = await imageIndex.imageIndexProvider.create({
      repositoryUrl: repositoryUrl(),
      digest: pushed.index.digest,
      expectedPlatforms: ["linux/amd64", "linux/arm64"],
      credentials: registry.credentials,
    });
    assert.equal(result.id, `${repositoryUrl()}@${pushed.index.digest}`);
    assert.deepEqual(result.outs, expectedOuts(pushed));
    assert.ok(!JSON.stringify(result.outs).includes(registry.credentials.password));
  });

  it("updates: re-reads for a new digest", async () => {
    const result = await imageIndex.imageIndexProvider.update?.("id", expectedOuts(pushed), {
      repositoryUrl: repositoryUrl(),
      digest: second.index.digest,
      expectedPlatforms: ["linux/amd64", "linux/arm64"],
      credentials: registry.credentials,
    });
    assert.deepEqual(result?.outs, expectedOuts(second));
  });

  it("fails create when an expected platform is missing", async () => {
    await assert.rejects(
      imageIndex.imageIndexProvider.create({
        repositoryUrl: repositoryUrl(),
        digest: pushed.index.digest,
        expectedPlatforms: ["linux/amd64", "linux/riscv64"],
        credentials: registry.credentials,
      }),
      /has no manifest for linux\/riscv64/,
    );
  });

  describe("the serialized provider (what the dynamic-provider host runs)", () => {
    let text: string;
    before(async () => {
      const state = setMocks(false);
      const resource = new imageIndex.ImageIndex("idx", {
        repositoryUrl: repositoryUrl(),
        digest: pushed.index.digest,
        expectedPlatforms: ["linux/amd64", "linux/arm64"],
        credentials: registry.credentials,
      });
      await new Promise<void>((r) => (resource.urn as pulumi.Output<string>).apply(() => r()));
      text = only(state, TYPES.imageIndex).inputs.__provider as string;
    });

    it("is small and captures no SDK code", () => {
      assert.equal(typeof text, "string");
      assert.ok(text.length < 64 * 1024, `serialized provider is ${text.length} bytes`);
      assert.ok(!text.includes("ComponentResource"), "the Pulumi SDK was serialized by value");
    });

    it("creates against the real registry from its serialized form", async () => {
      // the way @pulumi/pulumi/cmd/dynamic-provider loads it (require-from-string), in a module of its own
      const m = new Module("serialized-provider.js");
      m.filename = "/serialized-provider.js";
      m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(process.cwd());
      (m as unknown as { _compile(code: string, file: string): void })._compile(text, m.filename);
      const provider = (m.exports as { handler(): pulumi.dynamic.ResourceProvider }).handler();
      const result = await provider.create({
        repositoryUrl: repositoryUrl(),
        digest: pushed.index.digest,
        expectedPlatforms: ["linux/amd64", "linux/arm64"],
        credentials: registry.credentials,
      });
      assert.deepEqual(result.outs, expectedOuts(pushed));
      const diff = await provider.diff?.("id", result.outs, {
        ...news,
        repositoryUrl: repositoryUrl(),
        digest: pushed.index.digest,
      });
      assert.deepEqual(diff, { changes: false });
    });
  });
});
