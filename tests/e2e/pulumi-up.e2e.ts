/**
 * End to end in the real engine: `pulumi up` builds both platforms with BuildKit, pushes an index and a registry
 * cache in the form ECR accepts, and the ImageIndex dynamic provider, run by Pulumi's own dynamic-provider host,
 * reports the per-platform digests. Run by `npm run e2e` (the steps share one stack and run in order).
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspectImageIndex } from "../../provider/registry-client";
import { Pusher, startRegistry, type TestRegistry, tlsDir } from "../support/registry";
import { elfMachineIn, pushGoImage, pushStaticImage } from "./images";
import { BIN, buildSteps, Lane, REGISTRY_HOSTNAME, resolveRegistryHostname } from "./lane";

const PLATFORMS = ["linux/amd64", "linux/arm64"];
const ELF_MACHINE: Record<string, number> = { "linux/amd64": 62, "linux/arm64": 183 };

interface StackOutputs {
  digest: string;
  ref: string;
  platformDigests: Record<string, string>;
  platformRefs: Record<string, string>;
  attestationDigests: Record<string, string>;
  cacheRef: string;
  cacheRefs: Record<string, string>;
  imageUrn: string;
}

describe("pulumi up, for real", function () {
  this.timeout(0);
  let lane: Lane;
  let registry: TestRegistry;
  let app: Pusher;
  const times: { coldUpMs?: number; noChangeUpMs?: number; warmUpMs?: number; cachedSteps?: string } = {};

  const outputs = async (): Promise<StackOutputs> =>
    JSON.parse((await lane.pulumi(["stack", "output", "--json", "--show-secrets"])).output) as StackOutputs;
  const skopeoRaw = (ref: string) =>
    JSON.parse(
      execFileSync("skopeo", [
        "inspect",
        "--raw",
        "--creds",
        `${registry.credentials.username}:${registry.credentials.password}`,
        "--cert-dir",
        certDir,
        `docker://${ref}`,
      ]).toString(),
    ) as { manifests: { digest: string; platform: { os: string; architecture: string } }[] };
  let certDir: string;

  before(async () => {
    lane = new Lane();
    await resolveRegistryHostname();
    registry = await startRegistry(REGISTRY_HOSTNAME);
    certDir = mkdtempSync(join(tmpdir(), "e2e-certs-"));
    writeFileSync(join(certDir, "ca.crt"), readFileSync(join(tlsDir(), "ca.pem")));
    const goroot = execFileSync("go", ["env", "GOROOT"]).toString().trim();
    await pushGoImage(new Pusher(registry, "base/golang"), goroot);
    await pushStaticImage(new Pusher(registry, "base/static"), PLATFORMS);
    app = new Pusher(registry, "e2e/app");
    await lane.startBuildkit(registry.host);
    await lane.pulumi([
      "plugin",
      "install",
      "resource",
      "docker-build",
      "0.0.22",
      "--file",
      join(BIN, "pulumi-resource-docker-build"),
    ]);
    await initStack("e2e", {});
  });

  /** Creates a stack, selects it, and configures the program for the lane's registry and builder. */
  const initStack = async (stack: string, extra: Record<string, string>) => {
    lane.stack = stack;
    await lane.pulumi(["stack", "init", stack]);
    const config = {
      registry: registry.host,
      username: registry.credentials.username,
      context: lane.appDir,
      builder: "e2e",
      ...extra,
    };
    for (const [k, v] of Object.entries(config)) await lane.pulumi(["config", "set", k, v]);
    await lane.pulumi(["config", "set", "--secret", "password", registry.credentials.password]);
  };

  after(async function () {
    await lane?.stop();
    await registry?.stop();
    const passed = this.test?.parent?.tests.every((t) => t.state === "passed");
    if (passed) lane?.remove();
    const s = (ms?: number) => (ms === undefined ? "n/a" : `${(ms / 1000).toFixed(1)} s`);
    console.log(
      `\n  cold up ${s(times.coldUpMs)}; up with nothing changed ${s(times.noChangeUpMs)}; ` +
        `up after pruning the builder ${s(times.warmUpMs)}, ${times.cachedSteps ?? "n/a"} steps from the registry cache` +
        (passed ? "" : `\n  logs and state kept in ${lane?.work}`),
    );
  });

  it("pulumi up builds both platforms, pushes the index and the cache, and reads the digests back", async () => {
    const up = await lane.pulumi(["up", "--yes", "--skip-preview"]);
    times.coldUpMs = up.ms;
    const out = await outputs();

    const info = await inspectImageIndex(`${registry.host}/e2e/app:e2e`, {
      credentials: registry.credentials,
      expectedPlatforms: PLATFORMS,
    });
    assert.equal(out.digest, info.digest);
    assert.equal(out.ref, `${registry.host}/e2e/app@${info.digest}`);
    assert.deepEqual(out.platformDigests, Object.fromEntries(PLATFORMS.map((p) => [p, info.platforms[p].digest])));
    assert.deepEqual(out.platformRefs, Object.fromEntries(PLATFORMS.map((p) => [p, info.platforms[p].ref])));

    const raw = skopeoRaw(`${registry.host}/e2e/app:e2e`);
    for (const p of PLATFORMS) {
      const [os, architecture] = p.split("/");
      const entry = raw.manifests.find((m) => m.platform.os === os && m.platform.architecture === architecture);
      assert.equal(entry?.digest, out.platformDigests[p], `skopeo sees ${p} as ${entry?.digest}`);
    }

    for (const p of PLATFORMS) {
      const manifest = JSON.parse((await app.get("manifests", out.platformDigests[p])).body.toString()) as {
        layers: { digest: string }[];
      };
      const top = manifest.layers[manifest.layers.length - 1];
      const machine = elfMachineIn((await app.get("blobs", top.digest)).body, "app");
      assert.equal(machine, ELF_MACHINE[p], `/app in the ${p} image is for ELF machine ${machine}`);
    }

    const cache = await app.get("manifests", "buildcache");
    const cacheDoc = JSON.parse(cache.body.toString()) as { mediaType: string; config: { mediaType: string } };
    assert.equal(
      cacheDoc.mediaType,
      "application/vnd.oci.image.manifest.v1+json",
      "the cache is an image manifest, not an index",
    );
    assert.equal(cacheDoc.config.mediaType, "application/vnd.buildkit.cacheconfig.v0");
    assert.equal(out.cacheRef, `${registry.host}/e2e/app:buildcache`);

    const state = (await lane.pulumi(["stack", "export"])).output;
    assert.ok(!state.includes(registry.credentials.password), "the registry password is in the state in plain text");
    assert.match(
      state,
      /"credentials":\s*\{\s*"4dabf18193072939515e22adb298388d"/,
      "the ImageIndex credentials are a secret",
    );
  });

  it("shows no changes in preview or up when nothing changed, even with a new registry password", async () => {
    await registry.rotatePassword("a-new-token-every-run");
    await lane.pulumi(["config", "set", "--secret", "password", registry.credentials.password]);
    const preview = await lane.pulumi(["preview", "--expect-no-changes", "--diff"]);
    assert.match(preview.output, /\d+ unchanged/);
    const up = await lane.pulumi(["up", "--yes", "--expect-no-changes", "--skip-preview"]);
    times.noChangeUpMs = up.ms;
  });

  // Before the prune below, so that the builder's own cache answers for the steps before the sources.
  it("sees a source change in preview and re-runs only the steps after the copy of the sources", async () => {
    const main = join(lane.appDir, "main.go");
    writeFileSync(main, readFileSync(main, "utf8").replace("hello from pulumi-ecr-image", "hello again"));
    const preview = await lane.pulumi(["preview", "--json"]);
    const steps = (JSON.parse(preview.output) as { steps: { op: string; urn: string }[] }).steps;
    const changed = steps
      .filter((s) => s.op !== "same")
      .map((s) => `${s.op} ${s.urn.split("::").slice(-2).join("::")}`);
    assert.ok(
      changed.some((c) => /^(update|replace) .*docker-build:index:Image::app$/.test(c)),
      changed.join("\n"),
    );
    assert.ok(
      changed.some((c) => /^update .*ImageIndex::app$/.test(c)),
      changed.join("\n"),
    );

    const up = await lane.pulumi(["up", "--yes", "--skip-preview"]);
    const built = buildSteps(up.output).filter((s) => !/\[internal\]/.test(s.step));
    const rerun = built.filter((s) => !s.cached).map((s) => s.step);
    const cached = built.filter((s) => s.cached).map((s) => s.step);
    assert.ok(
      cached.some((s) => /go mod download/.test(s)),
      `go mod download should be cached:\n${built.map((s) => s.step).join("\n")}`,
    );
    assert.ok(
      rerun.some((s) => /go build/.test(s)),
      `go build should re-run:\n${rerun.join("\n")}`,
    );
    assert.ok(
      !rerun.some((s) => /go mod download|COPY go.mod/.test(s)),
      `steps before the sources re-ran:\n${rerun.join("\n")}`,
    );
    const out = await outputs();
    const info = await inspectImageIndex(`${registry.host}/e2e/app:e2e`, { credentials: registry.credentials });
    assert.equal(out.digest, info.digest);
  });

  it("rebuilds from the registry cache alone after the builder is pruned", async () => {
    const before = await outputs();
    lane.buildctl(["prune", "--all"]);
    const up = await lane.pulumi(["up", "--yes", "--skip-preview", "--replace", before.imageUrn]);
    times.warmUpMs = up.ms;
    const steps = buildSteps(up.output);
    const executed = steps.filter((s) => !s.cached && !/\bFROM\b|load build context|\[internal\]/.test(s.step));
    times.cachedSteps = `${steps.length - executed.length}/${steps.length}`;
    const same = (await outputs()).digest === before.digest;
    console.log(
      `    ${times.cachedSteps} steps cached; the rebuilt index digest is ${same ? "the same" : "new (timestamps)"}`,
    );
    assert.ok(steps.length > 0, `no build steps in the output:\n${up.output.slice(-3000)}`);
    assert.deepEqual(
      executed.map((s) => s.step),
      [],
      "every step should come from the registry cache",
    );
  });

  it('strategy "per-platform": one build per platform with its own cache, joined by an Index, digests cross-checked', async () => {
    await initStack("e2e-per-platform", { strategy: "per-platform", repository: "e2e/per-platform" });
    try {
      await lane.pulumi(["up", "--yes", "--skip-preview"]);
      const out = await outputs();
      const repo = new Pusher(registry, "e2e/per-platform");
      const info = await inspectImageIndex(`${registry.host}/e2e/per-platform:e2e`, {
        credentials: registry.credentials,
        expectedPlatforms: PLATFORMS,
      });
      assert.equal(out.digest, info.digest);
      assert.deepEqual(out.platformDigests, Object.fromEntries(PLATFORMS.map((p) => [p, info.platforms[p].digest])));
      for (const p of PLATFORMS) {
        const slug = p.replace("/", "-");
        const tagged = await inspectImageIndex(`${registry.host}/e2e/per-platform:e2e-${slug}`, {
          credentials: registry.credentials,
        });
        assert.equal(
          tagged.digest,
          out.platformDigests[p],
          `the per-platform tag e2e-${slug} is the manifest the index lists`,
        );
        const cache = JSON.parse((await repo.get("manifests", `buildcache-${slug}`)).body.toString()) as {
          mediaType: string;
        };
        assert.equal(cache.mediaType, "application/vnd.oci.image.manifest.v1+json");
        assert.equal(out.cacheRefs[p], `${registry.host}/e2e/per-platform:buildcache-${slug}`);
      }
      await lane.pulumi(["preview", "--expect-no-changes"]);
    } finally {
      await lane.pulumi(["destroy", "--yes", "--skip-preview"], { check: false });
      await lane.pulumi(["stack", "rm", "--yes", "e2e-per-platform"], { check: false });
      lane.stack = "e2e";
      await lane.pulumi(["stack", "select", "e2e"]);
    }
  });

  it("pulumi destroy leaves the stack empty", async () => {
    await lane.pulumi(["destroy", "--yes", "--skip-preview"]);
    const state = JSON.parse((await lane.pulumi(["stack", "export"])).output) as {
      deployment: { resources?: unknown[] };
    };
    assert.deepEqual(state.deployment.resources ?? [], []);
  });
});
