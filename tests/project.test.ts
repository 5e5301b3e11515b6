/** What a newcomer and CI meet: the programs, the workflows, and the package as npm installs it. */
import * as assert from "node:assert/strict";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parse } from "yaml";

const root = resolve(__dirname, "..", "..");
const read = (p: string) => readFileSync(join(root, p), "utf8");

interface PulumiYaml {
  name: string;
  runtime: string | { name: string; options?: { typescript?: boolean } };
  main?: string;
}

describe("Pulumi programs", () => {
  const examples = readdirSync(join(root, "examples"), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, "examples", d.name, "Pulumi.yaml")))
    .map((d) => `examples/${d.name}`);

  it("has the examples the README promises", () => {
    for (const e of ["examples/lambda-arm64", "examples/ecs-fargate", "examples/existing-repository"]) {
      assert.ok(examples.includes(e), `${e} is missing`);
    }
  });

  for (const dir of [".", ...examples]) {
    it(`${dir}/Pulumi.yaml names a Node.js program that exists`, () => {
      const project = parse(read(join(dir, "Pulumi.yaml"))) as PulumiYaml;
      const runtime = typeof project.runtime === "string" ? project.runtime : project.runtime.name;
      assert.equal(runtime, "nodejs");
      assert.ok(project.main, `${dir}/Pulumi.yaml has no main`);
      const main = join(root, dir, project.main);
      assert.ok(existsSync(main), `${dir}/Pulumi.yaml names ${project.main}, which does not exist`);
      assert.match(readFileSync(main, "utf8"), /new MultiPlatformImage\(/);
    });
  }

  it("builds the Go app of the examples from a cross-compiling Dockerfile", () => {
    const dockerfile = read("examples/app/Dockerfile");
    assert.match(dockerfile, /FROM --platform=\$BUILDPLATFORM/);
    assert.match(dockerfile, /CGO_ENABLED=0 GOOS=\$TARGETOS GOARCH=\$TARGETARCH go build/);
    assert.match(dockerfile, /distroless\/static/);
    assert.ok(existsSync(join(root, "examples/app/go.mod")));
  });
});

describe("GitHub workflows", () => {
  interface Step {
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
  }
  interface Workflow {
    on: Record<string, unknown>;
    jobs: Record<string, { env?: Record<string, string>; steps: Step[] }>;
  }
  const load = (name: string) => parse(read(`.github/workflows/${name}`)) as Workflow;
  const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);
  const env = (w: Workflow) => Object.assign({}, ...Object.values(w.jobs).map((j) => j.env ?? {}));
  /** A GitHub Actions expression, `${{ ... }}`. */
  const expression = (e: string) => ["$", "{{ ", e, " }}"].join("");
  const uses = (w: Workflow, action: string) => steps(w).find((s) => s.uses?.startsWith(`${action}@`));

  it("ci runs the tests", () => {
    const w = load("ci.yml");
    assert.ok(steps(w).some((s) => s.run === "npm test"));
    assert.ok(steps(w).some((s) => s.run?.includes("docker-registry")));
  });

  it("preview runs pulumi preview on pull requests and comments the diff, with buildx and the branch", () => {
    const w = load("preview.yml");
    assert.ok("pull_request" in w.on);
    assert.ok(uses(w, "docker/setup-buildx-action"));
    const pulumi = uses(w, "pulumi/actions");
    assert.equal(pulumi?.with?.command, "preview");
    assert.equal(pulumi?.with?.["comment-on-pr"], true);
    assert.equal(env(w).CACHE_BRANCH, expression("github.head_ref"));
  });

  it("deploy runs pulumi up on the default branch, with buildx and the branch", () => {
    const w = load("deploy.yml");
    assert.deepEqual((w.on.push as { branches: string[] }).branches, ["main"]);
    assert.ok(uses(w, "docker/setup-buildx-action"));
    assert.equal(uses(w, "pulumi/actions")?.with?.command, "up");
    assert.equal(env(w).CACHE_BRANCH, expression("github.ref_name"));
  });

  it("the programs scope the cache with the branch the workflows pass", () => {
    for (const p of ["program/index.ts", "examples/ecs-fargate/index.ts", "examples/lambda-arm64/index.ts"]) {
      assert.match(read(p), /cache: \{ branch: process\.env\.CACHE_BRANCH \}/, p);
    }
  });
});

describe("the package as npm installs it", function () {
  this.timeout(120_000);
  let project: string;

  before(async () => {
    const { execa } = await import("execa");
    await execa("npm", ["run", "build"], { cwd: root });
    // what `npm install pulumi-ecr-image` lays out: the package's files beside its dependencies
    project = mkdtempSync(join(tmpdir(), "pulumi-ecr-image-consumer-"));
    const pkg = join(project, "node_modules", "pulumi-ecr-image");
    mkdirSync(pkg, { recursive: true });
    cpSync(join(root, "package.json"), join(pkg, "package.json"));
    cpSync(join(root, "dist"), join(pkg, "dist"), { recursive: true });
    symlinkSync(join(root, "node_modules", "@pulumi"), join(project, "node_modules", "@pulumi"));
  });

  it("exports the public API from the package root", async () => {
    const { execa } = await import("execa");
    const { stdout } = await execa("node", ["-p", "Object.keys(require('pulumi-ecr-image')).sort().join(',')"], {
      cwd: project,
    });
    assert.deepEqual(stdout.split(","), [
      "DEFAULT_PLATFORMS",
      "ImageIndex",
      "InputError",
      "KNOWN_PLATFORMS",
      "MultiPlatformImage",
      "RegistryError",
      "inspectImageIndex",
      "parseReference",
    ]);
  });

  it("serializes the ImageIndex provider as a require of the installed package, and it loads", async () => {
    const { execa } = await import("execa");
    const script = join(project, "serialize.js");
    writeFileSync(
      script,
      `const pulumi = require("@pulumi/pulumi");
let text;
pulumi.runtime.setMocks({ newResource(a) { text = a.inputs.__provider; return { id: "x", state: a.inputs }; }, call() { return {}; } }, "p", "s", false);
const { ImageIndex } = require("pulumi-ecr-image");
new ImageIndex("x", { repositoryUrl: "r.example/app", digest: "sha256:${"a".repeat(64)}" }).urn.apply(async () => {
  const Module = require("node:module");
  const m = new Module("provider.js");
  m.paths = Module._nodeModulePaths(process.cwd());
  m._compile(text, "${dirname(script)}/provider.js");
  const provider = m.exports.handler();
  const diff = await provider.diff("id", { repositoryUrl: "r.example/app", digest: "d" }, { repositoryUrl: "r.example/app", digest: "e" });
  console.log(JSON.stringify({ length: text.length, requires: text.match(/require\\("([^"]+)"\\)/g), diff }));
});`,
    );
    const { stdout } = await execa("node", [script], { cwd: project });
    const out = JSON.parse(stdout) as { length: number; requires: string[]; diff: object };
    assert.deepEqual(out.requires, ['require("pulumi-ecr-image/dist/provider/registry-client.js")']);
    assert.ok(out.length < 8 * 1024, `the serialized provider is ${out.length} bytes`);
    assert.deepEqual(out.diff, { changes: true });
  });
});
