/**
 * `ImageIndex`: a dynamic resource that reads a pushed image index back from the registry and records the digest
 * of every per-platform manifest (and attestation manifest) in the stack's state.
 *
 * The provider below is serialized into the state and run by Pulumi's dynamic-provider host in another process.
 * It captures only the registry client module: inside node_modules that becomes one `require(...)` line; from a
 * source checkout the client is serialized by value (it loads nothing but Node built-ins, so either works).
 */
import * as pulumi from "@pulumi/pulumi";
import * as client from "./registry-client";

export interface ImageIndexArgs {
  /** The repository the image was pushed to: `host[:port]/path`, e.g. the ECR `repositoryUrl`. */
  repositoryUrl: pulumi.Input<string>;
  /** The digest of the pushed index (or single manifest), e.g. docker-build's `Image.digest`. */
  digest: pulumi.Input<string>;
  /** Fail unless every one of these platforms is in the index. Default: none required. */
  expectedPlatforms?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Credentials to read the registry with. Stored as a secret; a change of password alone (a new ECR token on
   * every run) is not a change of the resource.
   */
  credentials?: pulumi.Input<{ username: pulumi.Input<string>; password: pulumi.Input<string> }>;
  /** Talk plain HTTP to the registry. Only for local registries. Default false. */
  plainHttp?: pulumi.Input<boolean>;
}

/** What the provider records. Credentials are never part of it. */
interface ImageIndexState {
  repositoryUrl: string;
  digest: string;
  expectedPlatforms: string[];
  plainHttp: boolean;
  mediaType: string;
  platformDigests: Record<string, string>;
  platformRefs: Record<string, string>;
  attestationDigests: Record<string, string>;
}

interface ImageIndexInputs {
  repositoryUrl: string;
  digest: string;
  expectedPlatforms?: string[];
  credentials?: client.RegistryCredentials;
  plainHttp?: boolean;
}

/** The inputs that decide what is read. Credentials are deliberately not among them. */
const IDENTITY_KEYS = ["repositoryUrl", "digest", "expectedPlatforms", "plainHttp"] as const;

function identity(v: Partial<ImageIndexInputs>): Record<(typeof IDENTITY_KEYS)[number], string> {
  return {
    repositoryUrl: String(v.repositoryUrl),
    digest: String(v.digest),
    expectedPlatforms: JSON.stringify([...(v.expectedPlatforms ?? [])].sort()),
    plainHttp: String(v.plainHttp ?? false),
  };
}

async function read(inputs: ImageIndexInputs): Promise<ImageIndexState> {
  const info = await client.inspectImageIndex(`${inputs.repositoryUrl}@${inputs.digest}`, {
    credentials: inputs.credentials,
    expectedPlatforms: inputs.expectedPlatforms,
    plainHttp: inputs.plainHttp,
  });
  const pick = <T, K extends keyof T>(m: Record<string, T>, k: K) =>
    Object.fromEntries(Object.entries(m).map(([p, v]) => [p, v[k]])) as Record<string, T[K]>;
  return {
    repositoryUrl: inputs.repositoryUrl,
    digest: inputs.digest,
    expectedPlatforms: inputs.expectedPlatforms ?? [],
    plainHttp: inputs.plainHttp ?? false,
    mediaType: info.mediaType,
    platformDigests: pick(info.platforms, "digest"),
    platformRefs: pick(info.platforms, "ref"),
    attestationDigests: pick(info.attestations, "digest"),
  };
}

export const imageIndexProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id, olds: ImageIndexState, news: ImageIndexInputs) {
    const before = identity(olds);
    const after = identity(news);
    const changed = IDENTITY_KEYS.filter((k) => before[k] !== after[k]);
    // Everything follows from the digest, so an update in place re-reads; nothing in the registry is replaced.
    return { changes: changed.length > 0 };
  },
  async create(inputs: ImageIndexInputs) {
    const outs = await read(inputs);
    return { id: `${outs.repositoryUrl}@${outs.digest}`, outs };
  },
  async update(_id, _olds, news: ImageIndexInputs) {
    return { outs: await read(news) };
  },
  // No delete: the image belongs to whatever pushed it; this resource only records what it read.
};

/**
 * Reads a pushed image index back from the registry over the OCI distribution API and exposes the digest of each
 * per-platform manifest, for consumers that cannot take an index (Lambda, App Runner).
 *
 * @example
 * ```ts
 * const index = new ImageIndex("app", {
 *   repositoryUrl: repo.repositoryUrl,
 *   digest: image.digest,
 *   expectedPlatforms: ["linux/amd64", "linux/arm64"],
 *   credentials: { username: token.userName, password: token.password },
 * });
 * export const arm64 = index.platformRefs["linux/arm64"];
 * ```
 */
export class ImageIndex extends pulumi.dynamic.Resource {
  /** Media type of what the digest names (an OCI index, a Docker manifest list, or a single image manifest). */
  declare readonly mediaType: pulumi.Output<string>;
  /** Per-platform manifest digests, keyed `os/architecture[/variant]`. */
  declare readonly platformDigests: pulumi.Output<Record<string, string>>;
  /** Per-platform `<repositoryUrl>@<digest>` references, keyed like `platformDigests`. */
  declare readonly platformRefs: pulumi.Output<Record<string, string>>;
  /** Attestation manifest digests, keyed by the platform they describe. Never deploy these. */
  declare readonly attestationDigests: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: ImageIndexArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      imageIndexProvider,
      name,
      {
        repositoryUrl: args.repositoryUrl,
        digest: args.digest,
        expectedPlatforms: args.expectedPlatforms ?? [],
        plainHttp: args.plainHttp ?? false,
        credentials: args.credentials ? pulumi.secret(args.credentials) : undefined,
        mediaType: undefined,
        platformDigests: undefined,
        platformRefs: undefined,
        attestationDigests: undefined,
      },
      opts,
      "pulumi-ecr-image",
      "ImageIndex",
    );
  }
}
