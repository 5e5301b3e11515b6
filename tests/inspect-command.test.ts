/** The `pulumi-ecr-image inspect` command, run as a child process against the real test registry. */
import * as assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { inspectImageIndex } from "../provider/registry-client";
import { Pusher, pushBuildkitIndex, pushImage, startRegistry, type TestRegistry } from "./support/registry";

const BIN = join(resolve(__dirname, ".."), "bin", "pulumi-ecr-image.js");

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

describe("pulumi-ecr-image inspect", function () {
  this.timeout(60_000);
  let registry: TestRegistry;
  let pushed: Awaited<ReturnType<typeof pushBuildkitIndex>>;
  let ref: string;

  const run = async (args: string[], input?: string): Promise<Run> => {
    const { execa } = await import("execa");
    const r = await execa("node", [BIN, ...args], {
      input: input ?? "",
      reject: false,
      stripFinalNewline: false,
      env: { AWS_EC2_METADATA_DISABLED: "true" },
    });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  const withCredentials = (args: string[], password = registry.credentials.password) =>
    run([...args, "--username", registry.credentials.username, "--password-stdin"], `${password}\n`);

  before(async () => {
    registry = await startRegistry();
    pushed = await pushBuildkitIndex(new Pusher(registry, "team/app"), "v1", ["linux/amd64", "linux/arm64"]);
    ref = `${registry.host}/team/app:v1`;
  });
  after(async () => registry?.stop());

  it("prints the index the way docker buildx imagetools inspect does", async () => {
    const r = await withCredentials(["inspect", ref]);
    assert.equal(r.exitCode, 0, r.stderr);
    const amd = pushed.images["linux/amd64"].digest;
    const arm = pushed.images["linux/arm64"].digest;
    assert.equal(
      r.stdout,
      [
        `Name:      ${ref}`,
        "MediaType: application/vnd.oci.image.index.v1+json",
        `Digest:    ${pushed.index.digest}`,
        "",
        "Manifests:",
        `  Name:        ${ref}@${amd}`,
        "  MediaType:   application/vnd.oci.image.manifest.v1+json",
        "  Platform:    linux/amd64",
        "",
        `  Name:        ${ref}@${arm}`,
        "  MediaType:   application/vnd.oci.image.manifest.v1+json",
        "  Platform:    linux/arm64",
        "",
        `  Name:        ${ref}@${pushed.attestations["linux/amd64"].digest}`,
        "  MediaType:   application/vnd.oci.image.manifest.v1+json",
        "  Platform:    unknown/unknown",
        "  Annotations:",
        `    vnd.docker.reference.digest: ${amd}`,
        "    vnd.docker.reference.type:   attestation-manifest",
        "",
        `  Name:        ${ref}@${pushed.attestations["linux/arm64"].digest}`,
        "  MediaType:   application/vnd.oci.image.manifest.v1+json",
        "  Platform:    unknown/unknown",
        "  Annotations:",
        `    vnd.docker.reference.digest: ${arm}`,
        "    vnd.docker.reference.type:   attestation-manifest",
        "",
      ].join("\n"),
    );
  });

  it("prints a single-platform manifest with its platform", async () => {
    const single = await pushImage(new Pusher(registry, "single"), "linux/arm64", false, "v1");
    const r = await withCredentials(["inspect", `${registry.host}/single:v1`]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        `Name:      ${registry.host}/single:v1`,
        "MediaType: application/vnd.oci.image.manifest.v1+json",
        `Digest:    ${single.digest}`,
        "Platform:  linux/arm64",
        "",
      ].join("\n"),
    );
  });

  it("--json prints the ImageIndexInfo object", async () => {
    const r = await withCredentials(["inspect", ref, "--json"]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), await inspectImageIndex(ref, { credentials: registry.credentials }));
  });

  it("--platform prints only that platform's ref, for $(...)", async () => {
    const r = await withCredentials(["inspect", ref, "--platform", "linux/arm64"]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, `${registry.host}/team/app@${pushed.images["linux/arm64"].digest}\n`);
  });

  it("--expect-platforms passes when all are there and fails (exit 1, one line) when one is missing", async () => {
    assert.equal(
      (await withCredentials(["inspect", ref, "--expect-platforms", "linux/arm64,linux/amd64"])).exitCode,
      0,
    );
    const r = await withCredentials(["inspect", ref, "--expect-platforms", "linux/amd64,linux/s390x"]);
    assert.equal(r.exitCode, 1);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /^pulumi-ecr-image: .*has no manifest for linux\/s390x \(it has: linux\/amd64, linux\/arm64\).*\n$/,
    );
  });

  it("--platform fails (exit 1) for a platform the image does not have", async () => {
    const r = await withCredentials(["inspect", ref, "--platform", "linux/riscv64"]);
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /has no manifest for linux\/riscv64/);
  });

  it("fails with exit 1 and one line naming the registry and the status on wrong credentials", async () => {
    const r = await withCredentials(["inspect", ref], "wrong");
    assert.equal(r.exitCode, 1);
    assert.equal(r.stderr.split("\n").length, 2, r.stderr);
    assert.match(r.stderr, /answered 401 Unauthorized: UNAUTHORIZED.*registry 127\.0\.0\.1:\d+, repository team\/app/);
  });

  it("fails with exit 1 when an ECR host has no token to be had", async () => {
    const r = await run(["inspect", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:v1", "--timeout", "5000"]);
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /cannot get an ECR token for registry 123456789012 in eu-west-1/);
  });

  it("exits 2 with the usage text on a bad reference", async () => {
    const r = await run(["inspect", "app:latest"]);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /Invalid image reference "app:latest": it has no registry host/);
    assert.match(r.stderr, /Usage: pulumi-ecr-image inspect <reference>/);
  });

  const fake = "127.0.0.1:1/app:v1"; // usage errors are found before any network call
  for (const args of [
    [],
    ["list"],
    ["inspect"],
    ["inspect", fake, "--bogus"],
    ["inspect", fake, "--json", "--platform", "linux/amd64"],
    ["inspect", fake, "--username", "x"],
  ]) {
    it(`exits 2 with the usage text for: ${args.join(" ") || "(nothing)"}`, async () => {
      const r = await run(args);
      assert.equal(r.exitCode, 2);
      assert.match(r.stderr, /Usage: pulumi-ecr-image inspect/);
    });
  }

  it("--help prints the usage and exits 0", async () => {
    const r = await run(["--help"]);
    assert.equal(r.exitCode, 0);
    assert.match(r.stdout, /Exit codes: 0 success, 1 failure/);
  });
});
