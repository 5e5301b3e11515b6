/**
 * npm run bench: side-by-side medians against the local TLS registry, with warm-up rounds first.
 *  (a) inspectImageIndex in this process vs one raw fetch GET of the same index (the floor);
 *  (b) `pulumi-ecr-image inspect` as a fresh process vs `skopeo inspect --raw` (when skopeo is installed);
 *  (c) the mocked construction of 10, 25 and 50 MultiPlatformImage components in one program.
 * Targets (from the issue, not asserted): (a) within 1.5x, (b) within 3x.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { inspectImageIndex, MANIFEST_ACCEPT } from "../provider/registry-client";
import { Pusher, pushBuildkitIndex, startRegistry, tlsDir } from "../tests/support/registry";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const WARMUP = 5;
const root = resolve(__dirname, "..", "..");

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Runs the contenders in alternation (so drift hits both alike) and returns each one's median in ms. */
async function sideBySide(
  contenders: Record<string, () => Promise<unknown> | unknown>,
): Promise<Record<string, number>> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    for (const [name, run] of Object.entries(contenders)) {
      const t0 = process.hrtime.bigint();
      await run();
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (round >= WARMUP) times[name].push(ms);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

async function main() {
  const registry = await startRegistry();
  try {
    const pushed = await pushBuildkitIndex(new Pusher(registry, "bench/app"), "v1", ["linux/amd64", "linux/arm64"]);
    const reference = `${registry.host}/bench/app:v1`;
    const { username, password } = registry.credentials;
    const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
    console.log(
      `machine: ${cpus().length} x ${cpus()[0]?.model}, Node ${process.version}; ${ROUNDS} rounds after ${WARMUP} warm-up`,
    );
    console.log(`index: ${reference} (${pushed.index.digest})\n`);

    // (a) the client against the floor: one GET of the same index, with the same headers, by fetch
    const a = await sideBySide({
      "raw fetch GET": async () => {
        const res = await fetch(`https://${registry.host}/v2/bench/app/manifests/v1`, {
          headers: { accept: MANIFEST_ACCEPT, authorization },
        });
        await res.arrayBuffer();
      },
      inspectImageIndex: () => inspectImageIndex(reference, { credentials: registry.credentials }),
    });
    console.log("(a) in one process");
    console.log(`    raw fetch GET (floor)   ${fmt(a["raw fetch GET"])}`);
    console.log(`    inspectImageIndex       ${fmt(a.inspectImageIndex)}`);
    console.log(
      `    ratio                   ${(a.inspectImageIndex / a["raw fetch GET"]).toFixed(2)}x (target <= 1.5x)\n`,
    );

    // (b) cold start: the command as a fresh process against skopeo
    const bin = join(root, ".build", "bin", "pulumi-ecr-image.js");
    const certDir = mkdtempSync(join(tmpdir(), "bench-certs-"));
    cpSync(join(tlsDir(), "ca.pem"), join(certDir, "ca.crt"));
    const hasSkopeo = spawnSync("sh", ["-c", "command -v skopeo"]).status === 0;
    const run = (cmd: string, args: string[], input?: string) => () => {
      const r = spawnSync(cmd, args, { input, stdio: ["pipe", "ignore", "pipe"] });
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
    };
    const b = await sideBySide({
      "node -e 0": run("node", ["-e", "0"]),
      inspect: run("node", [bin, "inspect", reference, "--username", username, "--password-stdin"], password),
      ...(hasSkopeo
        ? {
            skopeo: run("skopeo", [
              "inspect",
              "--raw",
              "--creds",
              `${username}:${password}`,
              "--cert-dir",
              certDir,
              `docker://${reference}`,
            ]),
          }
        : {}),
    });
    console.log("(b) a fresh process each round");
    console.log(`    node -e 0               ${fmt(b["node -e 0"])}`);
    console.log(`    inspect command         ${fmt(b.inspect)}`);
    if (hasSkopeo) {
      console.log(`    skopeo inspect --raw    ${fmt(b.skopeo)}`);
      console.log(`    ratio                   ${(b.inspect / b.skopeo).toFixed(2)}x (target <= 3x)\n`);
    } else {
      console.log("    skopeo is not installed (apt-get install -y skopeo): no ratio\n");
    }

    // (c) the component's own cost: mocked construction of N components in one program, each N a fresh process
    console.log("(c) mocked construction of N components in one program (fresh process per N, median of 5)");
    let previous: { n: number; ms: number } | undefined;
    for (const n of [10, 25, 50]) {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const out = execFileSync("node", [
          join(root, ".build", "scripts", "bench-components.js"),
          String(n),
        ]).toString();
        times.push(Number(out.trim()));
      }
      const ms = median(times);
      const marginal = previous ? `, ${((ms - previous.ms) / (n - previous.n)).toFixed(2)} ms per added component` : "";
      console.log(
        `    N=${String(n).padEnd(3)} ${fmt(ms).padStart(11)}   ${(ms / n).toFixed(2)} ms per component${marginal}`,
      );
      previous = { n, ms };
    }
  } finally {
    await registry.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
