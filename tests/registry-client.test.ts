/** The registry client against a real registry: distribution 2.8 with TLS and htpasswd Basic auth. */
import * as assert from "node:assert/strict";
import { inspectImageIndex, parseReference, RegistryError } from "../provider/registry-client";
import {
  type Descriptor,
  DOCKER_LIST,
  DOCKER_MANIFEST,
  OCI_INDEX,
  OCI_MANIFEST,
  Pusher,
  pushBuildkitIndex,
  pushDockerList,
  pushImage,
  startRegistry,
  type TestRegistry,
} from "./support/registry";

describe("inspectImageIndex against a real registry", () => {
  let registry: TestRegistry;
  let buildkit: Awaited<ReturnType<typeof pushBuildkitIndex>>;
  let list: Awaited<ReturnType<typeof pushDockerList>>;
  let single: Descriptor;
  let variant: Awaited<ReturnType<typeof pushBuildkitIndex>>;

  before(async () => {
    registry = await startRegistry();
    buildkit = await pushBuildkitIndex(new Pusher(registry, "team/app"), "v1", ["linux/amd64", "linux/arm64"]);
    list = await pushDockerList(new Pusher(registry, "legacy"), "v1", ["linux/amd64", "linux/arm64"]);
    single = await pushImage(new Pusher(registry, "single"), "linux/arm64", true, "v1");
    variant = await pushBuildkitIndex(new Pusher(registry, "arm"), "v1", ["linux/amd64", "linux/arm/v7"]);
  });
  after(async () => registry?.stop());

  const opts = () => ({ credentials: registry.credentials });

  it("reads a BuildKit-shaped OCI index by tag: platforms and attestations split, digests exact", async () => {
    const info = await inspectImageIndex(`${registry.host}/team/app:v1`, opts());
    assert.equal(info.reference, `${registry.host}/team/app:v1`);
    assert.equal(info.digest, buildkit.index.digest);
    assert.equal(info.mediaType, OCI_INDEX);
    assert.equal(info.ref, `${registry.host}/team/app@${buildkit.index.digest}`);
    assert.deepEqual(info.platforms, {
      "linux/amd64": {
        digest: buildkit.images["linux/amd64"].digest,
        mediaType: OCI_MANIFEST,
        size: buildkit.images["linux/amd64"].size,
        ref: `${registry.host}/team/app@${buildkit.images["linux/amd64"].digest}`,
      },
      "linux/arm64": {
        digest: buildkit.images["linux/arm64"].digest,
        mediaType: OCI_MANIFEST,
        size: buildkit.images["linux/arm64"].size,
        ref: `${registry.host}/team/app@${buildkit.images["linux/arm64"].digest}`,
      },
    });
    assert.deepEqual(info.attestations, {
      "linux/amd64": {
        digest: buildkit.attestations["linux/amd64"].digest,
        mediaType: OCI_MANIFEST,
        ref: `${registry.host}/team/app@${buildkit.attestations["linux/amd64"].digest}`,
      },
      "linux/arm64": {
        digest: buildkit.attestations["linux/arm64"].digest,
        mediaType: OCI_MANIFEST,
        ref: `${registry.host}/team/app@${buildkit.attestations["linux/arm64"].digest}`,
      },
    });
  });

  it("reads the same index by digest, and by tag and digest together", async () => {
    const byDigest = await inspectImageIndex(`${registry.host}/team/app@${buildkit.index.digest}`, opts());
    const byTag = await inspectImageIndex(`${registry.host}/team/app:v1`, opts());
    const both = await inspectImageIndex(`${registry.host}/team/app:v1@${buildkit.index.digest}`, opts());
    assert.deepEqual(byDigest.platforms, byTag.platforms);
    assert.deepEqual(both.attestations, byTag.attestations);
    assert.equal(byDigest.reference, `${registry.host}/team/app@${buildkit.index.digest}`);
  });

  it("reads a Docker manifest list", async () => {
    const info = await inspectImageIndex(`${registry.host}/legacy:v1`, {
      ...opts(),
      expectedPlatforms: ["linux/arm64", "linux/amd64"],
    });
    assert.equal(info.mediaType, DOCKER_LIST);
    assert.equal(info.digest, list.index.digest);
    assert.deepEqual(Object.keys(info.platforms).sort(), ["linux/amd64", "linux/arm64"]);
    assert.equal(info.platforms["linux/arm64"].digest, list.images["linux/arm64"].digest);
    assert.equal(info.platforms["linux/arm64"].mediaType, DOCKER_MANIFEST);
    assert.deepEqual(info.attestations, {});
  });

  it("reads a single-platform manifest, taking its platform from the config blob", async () => {
    const info = await inspectImageIndex(`${registry.host}/single:v1`, opts());
    assert.equal(info.digest, single.digest);
    assert.equal(info.mediaType, DOCKER_MANIFEST);
    assert.deepEqual(info.platforms, {
      "linux/arm64": {
        digest: single.digest,
        mediaType: DOCKER_MANIFEST,
        size: single.size,
        ref: `${registry.host}/single@${single.digest}`,
      },
    });
  });

  it("keys a variant platform as os/arch/variant", async () => {
    const info = await inspectImageIndex(`${registry.host}/arm:v1`, {
      ...opts(),
      expectedPlatforms: ["linux/arm/v7"],
    });
    assert.equal(info.platforms["linux/arm/v7"].digest, variant.images["linux/arm/v7"].digest);
    assert.equal(info.attestations["linux/arm/v7"].digest, variant.attestations["linux/arm/v7"].digest);
  });

  it("fails on wrong credentials with the status, the registry's code and where", async () => {
    const err = await inspectImageIndex(`${registry.host}/team/app:v1`, {
      credentials: { username: "ci", password: "wrong" },
    }).catch((e) => e);
    assert.ok(err instanceof RegistryError, String(err));
    assert.equal(err.status, 401);
    assert.equal(err.code, "UNAUTHORIZED");
    assert.match(err.message, /answered 401 Unauthorized: UNAUTHORIZED/);
    assert.match(err.message, new RegExp(`registry ${registry.host}, repository team/app, reference`));
    assert.match(err.message, /check the credentials/);
  });

  it("fails without credentials on a registry that needs them", async () => {
    await assert.rejects(inspectImageIndex(`${registry.host}/team/app:v1`), (e: RegistryError) => e.status === 401);
  });

  it("fails on an unknown digest with MANIFEST_UNKNOWN and the digest", async () => {
    const digest = `sha256:${"0".repeat(64)}`;
    const err = await inspectImageIndex(`${registry.host}/team/app@${digest}`, opts()).catch((e) => e);
    assert.ok(err instanceof RegistryError);
    assert.equal(err.status, 404);
    assert.equal(err.code, "MANIFEST_UNKNOWN");
    assert.ok(err.message.includes(digest), err.message);
    assert.match(err.message, /was pushed/);
  });

  it("fails on an unknown repository with 404, naming the repository", async () => {
    // distribution 2.8 answers MANIFEST_UNKNOWN here; ECR answers NAME_UNKNOWN (RepositoryNotFoundException).
    const err = await inspectImageIndex(`${registry.host}/nobody/here:v1`, opts()).catch((e) => e);
    assert.equal(err.status, 404);
    assert.match(err.message, /repository nobody\/here, reference .*nobody\/here:v1/);
  });

  it("fails when an expected platform is missing, naming it and what is there", async () => {
    await assert.rejects(
      inspectImageIndex(`${registry.host}/team/app:v1`, {
        ...opts(),
        expectedPlatforms: ["linux/amd64", "linux/s390x"],
      }),
      /has no manifest for linux\/s390x \(it has: linux\/amd64, linux\/arm64\)/,
    );
  });
});

describe("parseReference", () => {
  it("parses host[:port]/path[:tag][@digest]", () => {
    const d = `sha256:${"a".repeat(64)}`;
    assert.deepEqual(parseReference("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:v1"), {
      registry: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
      repository: "team/app",
      tag: "v1",
      digest: undefined,
    });
    assert.deepEqual(parseReference(`localhost:5000/app@${d}`), {
      registry: "localhost:5000",
      repository: "app",
      tag: undefined,
      digest: d,
    });
    assert.deepEqual(parseReference(`127.0.0.1:5000/a/b_c:x@${d}`), {
      registry: "127.0.0.1:5000",
      repository: "a/b_c",
      tag: "x",
      digest: d,
    });
  });

  for (const [bad, why] of [
    ["app:latest", /has no registry host/],
    ["", /has no registry host/],
    ["host.io/App:v1", /is not a repository path/],
    ["host.io/app:-bad", /is not a valid tag/],
    ["host.io/app@sha256:1234", /is not a sha256 digest/],
    ["https://host.io/app", /is not a registry host|is not a repository path/],
    ["host.io/", /is not a repository path/],
  ] as const) {
    it(`rejects ${JSON.stringify(bad)} with the expected form`, () => {
      assert.throws(
        () => parseReference(bad),
        (e: Error) =>
          why.test(e.message) && e.message.includes("expected host[:port]/repository[:tag][@sha256:<64 hex>]"),
      );
    });
  }
});
