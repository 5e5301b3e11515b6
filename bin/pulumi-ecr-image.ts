#!/usr/bin/env node
/**
 * `pulumi-ecr-image inspect <reference>`: what `docker buildx imagetools inspect` shows, with the per-platform
 * digests a script needs. Its cold start is measured against skopeo (npm run bench), so it loads the registry
 * client and Node built-ins only; the AWS SDK is loaded only for an ECR host when no credentials are given.
 */
import { parseArgs } from "node:util";
import {
  type ImageIndexInfo,
  inspectImageIndex,
  parseReference,
  type RegistryCredentials,
} from "../provider/registry-client";
import { parseEcrHost } from "../sdk/ecr";

const USAGE = `Usage: pulumi-ecr-image inspect <reference> [options]

Reads an image index (or a single image manifest) from a registry and prints its manifests.

  <reference>                 host[:port]/repository[:tag][@sha256:<digest>]

Options:
  --json                      print the ImageIndexInfo object as JSON
  --platform <os/arch[/v]>    print only that platform's <repository>@<digest> (for scripts)
  --expect-platforms <a,b>    fail unless every one of these platforms is in the image
  --username <name>           registry user; the password is read from standard input
  --password-stdin            read the password from standard input (with --username)
  --plain-http                talk HTTP instead of HTTPS (local registries only)
  --timeout <ms>              deadline for the whole call (default 30000)
  -h, --help                  show this text

Credentials: --username with --password-stdin; for an ECR host without them, a token from the AWS SDK's default
credential chain (GetAuthorizationToken in the host's region); anonymous otherwise.
Exit codes: 0 success, 1 failure (one line on stderr), 2 bad usage.`;

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    process.stderr.write(`pulumi-ecr-image: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const credentials = await resolveCredentials(parsed);
    const info = await inspectImageIndex(parsed.reference, {
      credentials,
      expectedPlatforms: parsed.expectPlatforms,
      plainHttp: parsed.plainHttp,
      timeoutMs: parsed.timeoutMs,
    });
    if (parsed.platform !== undefined) {
      const manifest = info.platforms[parsed.platform];
      if (!manifest) {
        throw new Error(
          `${info.ref} has no manifest for ${parsed.platform} (it has: ${Object.keys(info.platforms).join(", ") || "none"})`,
        );
      }
      process.stdout.write(`${manifest.ref}\n`);
    } else if (parsed.json) {
      process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    } else {
      process.stdout.write(render(info));
    }
    return 0;
  } catch (e) {
    process.stderr.write(`pulumi-ecr-image: ${(e as Error).message.replace(/\s*\n\s*/g, " ")}\n`);
    return 1;
  }
}

interface Parsed {
  help: boolean;
  reference: string;
  json: boolean;
  platform?: string;
  expectPlatforms?: string[];
  username?: string;
  passwordStdin: boolean;
  plainHttp: boolean;
  timeoutMs?: number;
}

function parse(argv: string[]): Parsed {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: "boolean" },
      platform: { type: "string" },
      "expect-platforms": { type: "string" },
      username: { type: "string" },
      "password-stdin": { type: "boolean" },
      "plain-http": { type: "boolean" },
      timeout: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return { help: true, reference: "", json: false, passwordStdin: false, plainHttp: false };
  const [command, reference, ...extra] = positionals;
  if (command !== "inspect") throw new Error(command ? `unknown command "${command}"` : "no command given");
  if (!reference) throw new Error("inspect needs a reference");
  parseReference(reference); // a malformed reference is bad usage: say so before any network call
  if (extra.length > 0) throw new Error(`unexpected argument "${extra[0]}"`);
  if (values.json && values.platform !== undefined) throw new Error("--json and --platform cannot go together");
  if ((values.username === undefined) !== !values["password-stdin"]) {
    throw new Error("--username and --password-stdin go together");
  }
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) {
    throw new Error(`--timeout takes a whole number of milliseconds, not "${values.timeout}"`);
  }
  return {
    help: false,
    reference,
    json: values.json ?? false,
    platform: values.platform,
    expectPlatforms: values["expect-platforms"]?.split(",").filter((p) => p !== ""),
    username: values.username,
    passwordStdin: values["password-stdin"] ?? false,
    plainHttp: values["plain-http"] ?? false,
    timeoutMs: timeout,
  };
}

async function resolveCredentials(p: Parsed): Promise<RegistryCredentials | undefined> {
  if (p.username !== undefined) {
    const password = (await readStdin()).replace(/\r?\n$/, "");
    if (password === "") throw new Error("--password-stdin: standard input is empty");
    return { username: p.username, password };
  }
  const ecr = parseEcrHost(parseReference(p.reference).registry);
  return ecr ? ecrToken(ecr.registryId, ecr.region) : undefined;
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (d) => {
      text += d;
    });
    process.stdin.on("end", () => resolve(text));
    process.stdin.on("error", reject);
  });
}

/** An ECR token for the registry, from the AWS SDK's default credential chain. Loaded only here: it is slow. */
async function ecrToken(registryId: string, region: string): Promise<RegistryCredentials> {
  const { ECRClient, GetAuthorizationTokenCommand } = await import("@aws-sdk/client-ecr");
  const client = new ECRClient({ region });
  try {
    const out = await client.send(new GetAuthorizationTokenCommand({ registryIds: [registryId] }));
    const token = out.authorizationData?.[0]?.authorizationToken;
    if (!token) throw new Error("the answer has no token");
    const [username, ...rest] = Buffer.from(token, "base64").toString("utf8").split(":");
    return { username, password: rest.join(":") };
  } catch (e) {
    throw new Error(
      `cannot get an ECR token for registry ${registryId} in ${region} (AWS credentials? or pass --username AWS --password-stdin): ${(e as Error).message}`,
    );
  } finally {
    client.destroy();
  }
}

/** The layout of `docker buildx imagetools inspect`. */
function render(info: ImageIndexInfo): string {
  const lines = [`Name:      ${info.reference}`, `MediaType: ${info.mediaType}`, `Digest:    ${info.digest}`];
  const platforms = Object.entries(info.platforms);
  const isIndex = !(platforms.length === 1 && platforms[0][1].digest === info.digest);
  if (!isIndex) {
    lines.push(`Platform:  ${platforms[0][0]}`);
    return `${lines.join("\n")}\n`;
  }
  const name = info.reference.replace(/@sha256:[a-f0-9]{64}$/, "");
  lines.push("", "Manifests:");
  const blocks = platforms.map(([platform, m]) =>
    [`  Name:        ${name}@${m.digest}`, `  MediaType:   ${m.mediaType}`, `  Platform:    ${platform}`].join("\n"),
  );
  for (const [described, a] of Object.entries(info.attestations)) {
    const digest = info.platforms[described]?.digest ?? described;
    blocks.push(
      [
        `  Name:        ${name}@${a.digest}`,
        `  MediaType:   ${a.mediaType}`,
        "  Platform:    unknown/unknown",
        "  Annotations:",
        `    vnd.docker.reference.digest: ${digest}`,
        "    vnd.docker.reference.type:   attestation-manifest",
      ].join("\n"),
    );
  }
  lines.push(blocks.join("\n\n"));
  return `${lines.join("\n")}\n`;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
