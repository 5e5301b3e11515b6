/**
 * The end-to-end lane's machinery: BuildKit as root on a private socket (trusting the test registry's CA), a buildx
 * builder of driver `remote` pointing at it, and the Pulumi CLI built from source with a local file backend.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { tlsDir } from "../support/registry";

export const ROOT = resolve(__dirname, "..", "..", "..");
export const PROGRAM = join(ROOT, "tests", "e2e", "program");
const TOOLS = process.env.E2E_TOOLS_DIR ?? join(homedir(), ".cache", "pulumi-ecr-image", "e2e-tools");
export const BIN = join(TOOLS, "bin");

/**
 * The name the lane's registry goes by. Go's registry clients (containerd's resolver, in the docker-build provider's
 * Index and in buildx) talk plain HTTP to any host that is a loopback address, whatever the CA says; a name that
 * resolves to 127.0.0.1 gets HTTPS like a real registry. The test certificate carries it.
 */
export const REGISTRY_HOSTNAME = "registry.pulumi-ecr-image.test";

/** Makes REGISTRY_HOSTNAME resolve to 127.0.0.1 (an /etc/hosts line; the lane runs as root, as CI does). */
export async function resolveRegistryHostname(): Promise<void> {
  const { lookup } = await import("node:dns/promises");
  const resolved = await lookup(REGISTRY_HOSTNAME, { family: 4 }).catch(() => undefined);
  if (resolved?.address === "127.0.0.1") return;
  try {
    appendFileSync("/etc/hosts", `\n127.0.0.1 ${REGISTRY_HOSTNAME}\n`);
  } catch (e) {
    throw new Error(`cannot add ${REGISTRY_HOSTNAME} to /etc/hosts (run the lane as root): ${(e as Error).message}`);
  }
}

export interface Run {
  exitCode: number;
  output: string;
  ms: number;
}

export class Lane {
  readonly work = mkdtempSync(join(tmpdir(), "pulumi-ecr-image-e2e-"));
  readonly socket = join(this.work, "buildkitd.sock");
  /** The stack the commands work on; each has its config in a file of its own, outside the repository. */
  stack = "e2e";
  readonly appDir = join(this.work, "app");
  private buildkitd?: ChildProcess;
  readonly env: Record<string, string>;

  constructor() {
    for (const tool of [
      "pulumi",
      "pulumi-language-nodejs",
      "pulumi-resource-docker-build",
      "buildkitd",
      "buildctl",
      "docker-buildx",
    ]) {
      if (!existsSync(join(BIN, tool))) {
        throw new Error(
          `${join(BIN, tool)} is missing: run 'bash scripts/e2e-tools.sh' (npm run e2e does) to build it`,
        );
      }
    }
    const ca = join(tlsDir(), "ca.pem");
    this.env = {
      PATH: `${BIN}:${process.env.PATH}`,
      PULUMI_HOME: join(this.work, "pulumi-home"),
      PULUMI_BACKEND_URL: `file://${join(this.work, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "e2e-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_NODEJS_TRANSPILE_ONLY: "true",
      BUILDX_CONFIG: join(this.work, "buildx"),
      DOCKER_CONFIG: join(this.work, "docker"),
      DOCKER_BUILDKIT: "1",
      // Go (the provider, the CLI) reads the registry's CA from here; Node from NODE_EXTRA_CA_CERTS (inherited).
      SSL_CERT_FILE: ca,
    };
    mkdirSync(join(this.work, "state"));
    cpSync(join(ROOT, "examples", "app"), this.appDir, { recursive: true });
  }

  /** Starts buildkitd for a registry at `host`, and a buildx remote builder named `e2e` on it. */
  async startBuildkit(host: string): Promise<void> {
    const config = join(this.work, "buildkitd.toml");
    // BuildKit talks plain HTTP to loopback registries unless told otherwise.
    writeFileSync(
      config,
      `[registry."${host}"]\n  http = false\n  insecure = false\n  ca = ["${join(tlsDir(), "ca.pem")}"]\n`,
    );
    const log: string[] = [];
    this.buildkitd = spawn(
      join(BIN, "buildkitd"),
      ["--root", join(this.work, "buildkit"), "--addr", `unix://${this.socket}`, "--config", config],
      {
        stdio: ["ignore", "ignore", "pipe"],
        env: { ...process.env, PATH: `${BIN}:${process.env.PATH}` },
      },
    );
    this.buildkitd.stderr?.on("data", (d) => log.push(String(d)));
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        this.buildctl(["debug", "workers"]);
        break;
      } catch (e) {
        if (this.buildkitd.exitCode !== null || Date.now() > deadline) {
          throw new Error(`buildkitd did not start: ${(e as Error).message}\n${log.join("").slice(-2000)}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    execFileSync(
      join(BIN, "docker-buildx"),
      ["create", "--name", "e2e", "--driver", "remote", `unix://${this.socket}`],
      {
        env: { ...process.env, ...this.env },
        stdio: "pipe",
      },
    );
  }

  buildctl(args: string[]): string {
    return execFileSync(join(BIN, "buildctl"), ["--addr", `unix://${this.socket}`, ...args], {
      stdio: "pipe",
    }).toString();
  }

  /** Runs the Pulumi CLI in the program's folder with the lane's environment and stack config file. */
  async pulumi(args: string[], { check = true } = {}): Promise<Run> {
    const { execa } = await import("execa");
    const withConfig = ["up", "preview", "destroy", "config", "refresh"].includes(args[0])
      ? [...args, "--config-file", join(this.work, `Pulumi.${this.stack}.yaml`)]
      : args;
    const t0 = Date.now();
    const r = await execa(join(BIN, "pulumi"), [...withConfig, "--non-interactive", "--color", "never"], {
      cwd: PROGRAM,
      env: this.env,
      all: true,
      reject: false,
    });
    const run = { exitCode: r.exitCode ?? -1, output: String(r.all), ms: Date.now() - t0 };
    writeFileSync(join(this.work, `pulumi-${args[0]}-${Date.now()}.log`), run.output);
    if (check && run.exitCode !== 0) {
      throw new Error(`pulumi ${args.join(" ")} exited ${run.exitCode}:\n${run.output.slice(-6000)}`);
    }
    return run;
  }

  /** Deletes the work folder (BuildKit's cache, the state, the logs). */
  remove(): void {
    rmSync(this.work, { recursive: true, force: true });
  }

  async stop(): Promise<void> {
    if (this.buildkitd && this.buildkitd.exitCode === null) {
      const exited = new Promise((r) => this.buildkitd?.once("exit", r));
      this.buildkitd.kill();
      await exited;
    }
  }
}

/** BuildKit's progress, as docker-build relays it: `#N [stage i/n] STEP` lines, and `#N CACHED` for the cached ones. */
export function buildSteps(output: string): { step: string; cached: boolean }[] {
  const names = new Map<string, string>();
  const cached = new Set<string>();
  for (const line of output.split("\n")) {
    const m = /#(\d+) (\[[^\]]+\] .*)$/.exec(line);
    if (m && !names.has(m[1])) names.set(m[1], m[2].trim());
    const c = /#(\d+) CACHED\s*$/.exec(line);
    if (c) cached.add(c[1]);
  }
  return [...names.entries()]
    .filter(([, step]) => /^\[[^\]]*\d+\/\d+\]/.test(step))
    .map(([id, step]) => ({ step, cached: cached.has(id) }));
}
