import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { ImageIndex } from "../provider/image-index";
import { cachePlan, platformSlug } from "./cache";
import { parseRepositoryUrl } from "./ecr";
import { checked } from "./inputs";
import { lifecyclePolicyDocument } from "./lifecycle-policy";
import { applyTransform, type Transform } from "./transform";
import {
  InputError,
  validateOneOf,
  validatePlatforms,
  validatePositiveInteger,
  validateRepositoryName,
  validateTag,
  validateTags,
} from "./validate";

export const DEFAULT_PLATFORMS = ["linux/amd64", "linux/arm64"];
const DEFAULT_TAG = "latest";
const DEFAULT_CACHE_TAG = "buildcache";
const DEFAULT_UNTAGGED_EXPIRE_DAYS = 14;

export interface LifecyclePolicyArgs {
  /**
   * Days after which untagged images (superseded cache manifests, indexes whose tag moved on) expire.
   * Per-platform and attestation manifests listed by a tagged index are not expired while the index exists.
   * @default 14
   * @example
   * ```ts
   * lifecyclePolicy: { untaggedExpireDays: 7 }
   * ```
   */
  untaggedExpireDays?: pulumi.Input<number>;
  /**
   * Keep only this many tagged images (the indexes you deploy); older ones are deleted with their per-platform
   * manifests. Cache tags and per-platform tags are never counted.
   * @default unset: tagged images are never expired
   * @example
   * ```ts
   * lifecyclePolicy: { keepTaggedCount: 50 }
   * ```
   */
  keepTaggedCount?: pulumi.Input<number>;
  /**
   * Your own lifecycle policy document (JSON), used instead of the component's rules. Make sure it keeps the
   * cache tags (`<cache.tag>*`).
   * @default the component's rules
   * @example
   * ```ts
   * lifecyclePolicy: { policy: JSON.stringify({ rules: [...] }) }
   * ```
   */
  policy?: pulumi.Input<string>;
}

export interface RepositoryArgs {
  /**
   * The repository name.
   * @default the component's name with a random suffix (Pulumi auto-naming)
   * @example
   * ```ts
   * repository: { name: "team/app" }
   * ```
   */
  name?: pulumi.Input<string>;
  /**
   * Whether tags can be overwritten. With `IMMUTABLE` and the cache on, the component makes the cache tags (and
   * per-platform tags) the only writable ones, with ECR's tag-immutability exclusion filters
   * (`IMMUTABLE_WITH_EXCLUSION`), and you must give `tags` that are new on every build.
   * @default "MUTABLE"
   * @example
   * ```ts
   * repository: { imageTagMutability: "IMMUTABLE" }
   * ```
   */
  imageTagMutability?: pulumi.Input<"MUTABLE" | "IMMUTABLE">;
  /**
   * Scan images for vulnerabilities when pushed (ECR basic scanning).
   * @default true
   * @example
   * ```ts
   * repository: { scanOnPush: false }
   * ```
   */
  scanOnPush?: pulumi.Input<boolean>;
  /**
   * Encryption at rest: `AES256`, or `KMS` with your key (the AWS-managed key when `kmsKey` is unset).
   * @default { type: "AES256" }
   * @example
   * ```ts
   * repository: { encryption: { type: "KMS", kmsKey: key.arn } }
   * ```
   */
  encryption?: { type: pulumi.Input<"AES256" | "KMS">; kmsKey?: pulumi.Input<string> };
  /**
   * Delete the repository even when it holds images. The build cache is always there once built, so without
   * this, `pulumi destroy` cannot delete the repository.
   * @default false
   * @example
   * ```ts
   * repository: { forceDelete: true }
   * ```
   */
  forceDelete?: pulumi.Input<boolean>;
  /**
   * AWS tags for the repository.
   * @default none
   * @example
   * ```ts
   * repository: { tags: { team: "payments" } }
   * ```
   */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * The lifecycle policy: the component's multi-platform-safe rules (tune them here), your own document, or
   * `false` for none.
   * @default { untaggedExpireDays: 14 }
   * @example
   * ```ts
   * repository: { lifecyclePolicy: false }
   * ```
   */
  lifecyclePolicy?: false | LifecyclePolicyArgs;
}

export interface ExistingRepositoryArgs {
  /**
   * The repository URL, `host/path` (e.g. an `aws.ecr.Repository`'s `repositoryUrl`).
   * @example
   * ```ts
   * existingRepository: { url: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app" }
   * ```
   */
  url: pulumi.Input<string>;
  /**
   * The AWS account that owns the registry, for the ECR token.
   * @default the account in the URL's host
   * @example
   * ```ts
   * existingRepository: { url, registryId: "123456789012" }
   * ```
   */
  registryId?: pulumi.Input<string>;
  /**
   * Credentials for a registry that is not ECR (GHCR, Docker Hub, Harbor, a local registry). When given, no AWS
   * call is made. The password is kept as a secret.
   * @default an ECR token from `aws.ecr.getAuthorizationToken`
   * @example
   * ```ts
   * existingRepository: { url: "ghcr.io/acme/app", credentials: { username: "acme-bot", password: ghcrToken } }
   * ```
   */
  credentials?: { username: pulumi.Input<string>; password: pulumi.Input<string> };
}

export interface CacheArgs {
  /**
   * The tag that holds the registry build cache.
   * @default "buildcache"
   * @example
   * ```ts
   * cache: { tag: "cache" }
   * ```
   */
  tag?: pulumi.Input<string>;
  /**
   * `max` caches every stage's layers (what multi-stage builds need to start warm); `min` only the final image's.
   * @default "max"
   * @example
   * ```ts
   * cache: { mode: "min" }
   * ```
   */
  mode?: pulumi.Input<"min" | "max">;
  /**
   * The branch being built. On any branch but `defaultBranch`, the build writes `<tag>-<branch>` and reads it
   * first, then `<tag>`: pull-request builds start warm from the default branch's cache without overwriting it.
   * Branch names are made into valid tags (`feature/x` becomes `feature-x`; long names are cut and hashed).
   * @default unset: every build reads and writes `<tag>`
   * @example
   * ```ts
   * cache: { branch: process.env.GITHUB_HEAD_REF || process.env.GITHUB_REF_NAME }
   * ```
   */
  branch?: pulumi.Input<string | undefined>;
  /**
   * The branch whose cache every other branch falls back to.
   * @default "main"
   * @example
   * ```ts
   * cache: { branch, defaultBranch: "trunk" }
   * ```
   */
  defaultBranch?: pulumi.Input<string>;
}

export interface MultiPlatformImageTransforms {
  /** Edit the `aws.ecr.Repository` arguments. */
  repository?: Transform<aws.ecr.RepositoryArgs>;
  /** Edit the `aws.ecr.LifecyclePolicy` arguments. */
  lifecyclePolicy?: Transform<aws.ecr.LifecyclePolicyArgs>;
  /** Edit the `docker-build` `Image` arguments (each platform's, with the `per-platform` strategy). */
  image?: Transform<dockerBuild.ImageArgs>;
  /** Edit the `docker-build` `Index` arguments (`per-platform` strategy). */
  index?: Transform<dockerBuild.IndexArgs>;
}

export interface MultiPlatformImageArgs {
  /**
   * Create the ECR repository with these settings. Give this or `existingRepository`, not both.
   * @default a new repository with the defaults below
   * @example
   * ```ts
   * repository: { name: "app", imageTagMutability: "IMMUTABLE" }
   * ```
   */
  repository?: RepositoryArgs;
  /**
   * Push to a repository created elsewhere instead of creating one.
   * @default unset: a repository is created
   * @example
   * ```ts
   * existingRepository: { url: shared.getOutput("repositoryUrl") }
   * ```
   */
  existingRepository?: ExistingRepositoryArgs;
  /**
   * The platforms to build. A plain list (not an Output): it decides which child resources exist.
   * @default ["linux/amd64", "linux/arm64"]
   * @example
   * ```ts
   * platforms: ["linux/amd64", "linux/arm64", "linux/arm/v7"]
   * ```
   */
  platforms?: string[];
  /**
   * `single`: one multi-platform build. `per-platform`: one build per platform, each with its own cache tag and
   * optionally its own builder, joined into one index (reliable caches for every platform; native builders).
   * @default "single"
   * @example
   * ```ts
   * strategy: "per-platform"
   * ```
   */
  strategy?: "single" | "per-platform";
  /**
   * The build context: a local directory.
   * @default "."
   * @example
   * ```ts
   * context: "./app"
   * ```
   */
  context?: pulumi.Input<string>;
  /**
   * The Dockerfile: a path (relative to the working directory, like `docker build -f`), or `{ inline }` text.
   * @default "<context>/Dockerfile"
   * @example
   * ```ts
   * dockerfile: "./app/Dockerfile.prod"
   * dockerfile: { inline: "FROM scratch\nCOPY app /app\n" }
   * ```
   */
  dockerfile?: pulumi.Input<string> | { inline: pulumi.Input<string> };
  /**
   * `--build-arg` values.
   * @default none
   * @example
   * ```ts
   * buildArgs: { GO_VERSION: "1.26" }
   * ```
   */
  buildArgs?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * The stage to build.
   * @default the last stage
   * @example
   * ```ts
   * target: "runtime"
   * ```
   */
  target?: pulumi.Input<string>;
  /**
   * Build secrets (`RUN --mount=type=secret,id=<key>`). Always stored as secrets.
   * @default none
   * @example
   * ```ts
   * secrets: { npmrc: config.requireSecret("npmrc") }
   * ```
   */
  secrets?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Image labels.
   * @default none
   * @example
   * ```ts
   * labels: { "org.opencontainers.image.source": "https://github.com/acme/app" }
   * ```
   */
  labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Tags to push, each as `<repositoryUrl>:<tag>`. ECR's rule: 1-128 of `[a-zA-Z0-9._-]`, not starting with `.`
   * or `-`. Deploy `ref` (by digest), not a tag.
   * @default ["latest"]
   * @example
   * ```ts
   * tags: [process.env.GITHUB_SHA!, "latest"]
   * ```
   */
  tags?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The registry build cache in the repository (`type=registry`, `image-manifest=true`, `oci-mediatypes=true`:
   * the form ECR accepts), or `false` for none.
   * @default { tag: "buildcache", mode: "max" }
   * @example
   * ```ts
   * cache: { branch: process.env.GITHUB_HEAD_REF }
   * cache: false
   * ```
   */
  cache?: false | CacheArgs;
  /**
   * A buildx builder by name: a remote BuildKit, a multi-node builder, Docker Build Cloud.
   * @default buildx's current builder
   * @example
   * ```ts
   * builder: "cloud-acme-builder"
   * ```
   */
  builder?: pulumi.Input<string>;
  /**
   * With the `per-platform` strategy: a builder per platform (e.g. a native arm64 node), falling back to
   * `builder`. A plain map whose keys must be among `platforms`.
   * @default `builder` for every platform
   * @example
   * ```ts
   * builders: { "linux/arm64": "arm-builder", "linux/amd64": "amd-builder" }
   * ```
   */
  builders?: Record<string, pulumi.Input<string>>;
  /**
   * Build during `pulumi preview`. On by default: a pull request's preview then fails on a broken Dockerfile
   * before merge instead of on the deploy after it, and (with `cache.branch`) warms the branch's own cache tag.
   * Nothing is pushed in a preview, but the cache is exported, so the preview needs push rights to the
   * repository. Turn it off for fast or read-only previews.
   * @default true
   * @example
   * ```ts
   * buildOnPreview: false
   * ```
   */
  buildOnPreview?: pulumi.Input<boolean>;
  /**
   * Edit the child resources' arguments: the escape hatch for anything this component does not expose.
   * @default none
   * @example
   * ```ts
   * transform: { image: (args) => { args.noCache = true; } }
   * ```
   */
  transform?: MultiPlatformImageTransforms;
}

interface Registry {
  url: pulumi.Output<string>;
  name: pulumi.Output<string>;
  registryId: pulumi.Output<string>;
  /** `host[:port]` the credentials are for. */
  address: pulumi.Output<string>;
  credentials: pulumi.Output<{ username: string; password: string }>;
}

interface ResolvedCache {
  tag: pulumi.Output<string>;
  mode: pulumi.Output<"min" | "max">;
  branch: pulumi.Output<string | undefined>;
  defaultBranch: pulumi.Output<string>;
}

/**
 * Builds a multi-platform image with BuildKit (`@pulumi/docker-build`), pushes it to Amazon ECR with a registry
 * build cache stored in the same repository, and reads the pushed index back to expose the digest of every
 * per-platform manifest.
 *
 * @example
 * ```ts
 * const image = new MultiPlatformImage("app", {
 *   context: "./app",
 *   cache: { branch: process.env.GITHUB_HEAD_REF },
 * });
 * export const ref = image.ref;                               // ECS, EKS: the index
 * export const arm64 = image.platformRef("linux/arm64");      // Lambda (arm64): one platform's manifest
 * ```
 */
export class MultiPlatformImage extends pulumi.ComponentResource {
  /** The repository URL, `<account>.dkr.ecr.<region>.amazonaws.com/<name>`. */
  readonly repositoryUrl: pulumi.Output<string>;
  /** The repository name. */
  readonly repositoryName: pulumi.Output<string>;
  /** The registry (AWS account) ID. */
  readonly registryId: pulumi.Output<string>;
  /** The digest of the pushed image index. */
  readonly digest: pulumi.Output<string>;
  /** `<repositoryUrl>@<digest>`: the immutable reference to deploy to ECS or EKS. */
  readonly ref: pulumi.Output<string>;
  /** `<repositoryUrl>:<tag>` for each tag pushed. */
  readonly taggedRefs: pulumi.Output<string[]>;
  /** The cache ref the build writes (`single` strategy); undefined when the cache is off or per platform. */
  readonly cacheRef: pulumi.Output<string | undefined>;
  /** The cache ref each platform's build writes, keyed by platform; empty when the cache is off. */
  readonly cacheRefs: pulumi.Output<Record<string, string>>;
  /** The per-platform manifest digests, keyed `os/arch[/variant]`, read back from the registry. */
  readonly platformDigests: pulumi.Output<Record<string, string>>;
  /** `<repositoryUrl>@<platform digest>`, keyed by platform: for Lambda (its architecture) and App Runner (amd64). */
  readonly platformRefs: pulumi.Output<Record<string, string>>;
  /** The attestation manifest digests, keyed by the platform they describe. Not deployable. */
  readonly attestationDigests: pulumi.Output<Record<string, string>>;
  /** The platforms built. */
  readonly platforms: string[];

  /** The repository the component created (undefined with `existingRepository`). */
  readonly repository?: aws.ecr.Repository;
  /** The lifecycle policy the component created, if any. */
  readonly lifecyclePolicy?: aws.ecr.LifecyclePolicy;
  /** The docker-build Images: one for `single`, one per platform (keyed by platform) for `per-platform`. */
  readonly images: Record<string, dockerBuild.Image>;
  /** The docker-build Indexes that join the per-platform images, one per tag (`per-platform` strategy). */
  readonly indexes: dockerBuild.Index[];
  /** The read-back of the pushed index. */
  readonly imageIndex: ImageIndex;

  constructor(name: string, args: MultiPlatformImageArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("pulumi-ecr-image:index:MultiPlatformImage", name, {}, opts);
    const strategy = validateOneOf("strategy", args.strategy ?? "single", ["single", "per-platform"]);
    this.platforms = validatePlatforms("platforms", args.platforms ?? DEFAULT_PLATFORMS);
    const builders = args.builders ?? {};
    for (const key of Object.keys(builders)) {
      if (strategy !== "per-platform") {
        throw new InputError("builders", builders, 'builders only apply with strategy: "per-platform"; use builder');
      }
      if (!this.platforms.includes(key)) {
        throw new InputError(
          `builders["${key}"]`,
          key,
          `a key of builders is one of the platforms: ${this.platforms.join(", ")}`,
        );
      }
    }
    if (args.repository && args.existingRepository) {
      throw new InputError(
        "existingRepository",
        "(both repository and existingRepository)",
        "give repository (to create one) or existingRepository (to use one), not both",
      );
    }
    const cache = resolveCache(args.cache);
    const tags = checked(args.tags ?? [DEFAULT_TAG], (t) => validateTags("tags", t));
    const protectedPatterns = pulumi
      .all([cache?.tag ?? "", this.platforms])
      .apply(([cacheTag, platforms]) => [
        ...(cacheTag ? [`${cacheTag}*`] : []),
        ...(strategy === "per-platform" ? platforms.map((p) => `*-${platformSlug(p)}`) : []),
      ]);

    let registry: Registry;
    if (args.existingRepository) {
      registry = this.useExistingRepository(args.existingRepository);
    } else {
      const repo = args.repository ?? {};
      const mutability = checked(repo.imageTagMutability ?? "MUTABLE", (m) => {
        const valid = validateOneOf("repository.imageTagMutability", m, ["MUTABLE", "IMMUTABLE"]);
        if (valid === "IMMUTABLE" && args.tags === undefined) {
          // `latest` is rewritten by every build: an immutable repository would refuse the second one.
          throw new InputError(
            "tags",
            [DEFAULT_TAG],
            'an IMMUTABLE repository cannot take the default tag "latest" on every build: give tags that are new for each build (e.g. the commit SHA), or use imageTagMutability "MUTABLE"',
          );
        }
        return valid;
      });
      this.repository = this.createRepository(name, repo, mutability, protectedPatterns, args.transform);
      this.lifecyclePolicy = this.createLifecyclePolicy(
        name,
        this.repository,
        repo.lifecyclePolicy,
        protectedPatterns,
        args.transform,
      );
      registry = this.ecrRegistry(this.repository.repositoryUrl, this.repository.name, this.repository.registryId);
    }
    this.repositoryUrl = registry.url;
    this.repositoryName = registry.name;
    this.registryId = registry.registryId;
    this.taggedRefs = pulumi.all([registry.url, tags]).apply(([url, ts]) => ts.map((t) => `${url}:${t}`));

    const registryArgs = {
      address: registry.address,
      username: registry.credentials.username,
      password: pulumi.secret(registry.credentials.password),
    };
    const common: Omit<dockerBuild.ImageArgs, "platforms" | "tags"> = {
      push: true,
      context: { location: args.context ?? "." },
      dockerfile: dockerfileArgs(args.dockerfile),
      buildArgs: args.buildArgs,
      target: args.target,
      labels: args.labels,
      secrets: args.secrets ? pulumi.secret(args.secrets) : undefined,
      registries: [registryArgs],
      buildOnPreview: args.buildOnPreview ?? true,
    };
    const childOpts = { parent: this, retainOnDelete: true };
    const build = (
      resourceName: string,
      platforms: string[],
      imageTags: pulumi.Input<pulumi.Input<string>[]>,
      builder?: pulumi.Input<string>,
      cacheTag?: pulumi.Input<string>,
    ) => {
      const plan =
        cache && cacheTag !== undefined
          ? pulumi
              .all([registry.url, cacheTag, cache.branch, cache.defaultBranch])
              .apply(([url, t, b, d]) => cachePlan(url, t, b, d))
          : undefined;
      const imageArgs: dockerBuild.ImageArgs = {
        ...common,
        platforms: platforms as dockerBuild.types.enums.Platform[],
        tags: imageTags,
        builder: builder === undefined ? undefined : { name: builder },
        cacheFrom: plan?.apply((p) => p.readRefs.map((ref) => ({ registry: { ref } }))),
        cacheTo:
          plan && cache
            ? pulumi.all([plan, cache.mode]).apply(([p, mode]) => [
                {
                  registry: {
                    ref: p.writeRef,
                    mode: mode as dockerBuild.types.enums.CacheMode,
                    imageManifest: true,
                    ociMediaTypes: true,
                  },
                },
              ])
            : undefined,
      };
      const image = new dockerBuild.Image(
        ...applyTransform(args.transform?.image, resourceName, imageArgs, { ...childOpts }),
      );
      return { image, writeRef: plan?.writeRef };
    };

    if (strategy === "single") {
      const { image, writeRef } = build(name, this.platforms, this.taggedRefs, args.builder, cache?.tag);
      this.images = { [this.platforms.join(",")]: image };
      this.indexes = [];
      this.digest = image.digest;
      this.cacheRef = pulumi.output(writeRef);
      this.cacheRefs = pulumi
        .output(writeRef)
        .apply((r) => (r ? Object.fromEntries(this.platforms.map((p) => [p, r])) : {}));
    } else {
      if (args.tags !== undefined && !Array.isArray(args.tags)) {
        throw new InputError(
          "tags",
          "(an Output)",
          'with strategy "per-platform", tags must be a plain list: each tag is pushed by an Index of its own',
        );
      }
      const firstTag = args.tags?.[0] ?? DEFAULT_TAG;
      const built = this.platforms.map((platform) => {
        const slug = platformSlug(platform);
        const platformTag = checked(firstTag, (t) =>
          validateTag(`tags[0] + "-${slug}" (the per-platform tag)`, `${t}-${slug}`),
        );
        const cacheTag = cache ? cache.tag.apply((t) => `${t}-${slug}`) : undefined;
        const imageTags = [pulumi.interpolate`${registry.url}:${platformTag}`];
        return {
          platform,
          ...build(`${name}-${slug}`, [platform], imageTags, builders[platform] ?? args.builder, cacheTag),
        };
      });
      this.images = Object.fromEntries(built.map((b) => [b.platform, b.image]));
      this.indexes = this.createIndexes(
        name,
        args.tags?.length ?? 1,
        registryArgs,
        built.map((b) => b.image.ref),
        args.transform,
        childOpts,
      );
      this.digest = this.indexes[0].ref.apply((r) => r.slice(r.indexOf("@") + 1));
      this.cacheRef = pulumi.output(undefined);
      this.cacheRefs = pulumi
        .all(built.map((b) => pulumi.output(b.writeRef)))
        .apply((refs) => Object.fromEntries(built.flatMap((b, i) => (refs[i] ? [[b.platform, refs[i]]] : []))));
    }
    this.ref = pulumi.interpolate`${registry.url}@${this.digest}`;

    this.imageIndex = new ImageIndex(
      name,
      {
        repositoryUrl: registry.url,
        digest: this.digest,
        expectedPlatforms: this.platforms,
        credentials: registry.credentials,
      },
      { parent: this },
    );
    this.platformDigests =
      strategy === "single"
        ? this.imageIndex.platformDigests
        : crossCheck(
            this.imageIndex.platformDigests,
            this.platforms.map((p) => [p, this.images[p].digest]),
          );
    this.platformRefs = this.imageIndex.platformRefs;
    this.attestationDigests = this.imageIndex.attestationDigests;

    this.registerOutputs({
      repositoryUrl: this.repositoryUrl,
      repositoryName: this.repositoryName,
      registryId: this.registryId,
      digest: this.digest,
      ref: this.ref,
      taggedRefs: this.taggedRefs,
      cacheRef: this.cacheRef,
      cacheRefs: this.cacheRefs,
      platformDigests: this.platformDigests,
      platformRefs: this.platformRefs,
      attestationDigests: this.attestationDigests,
    });
  }

  /**
   * `<repositoryUrl>@<digest>` of one platform's manifest: what Lambda (for its architecture) and App Runner
   * (`linux/amd64`) need, since neither runs an index.
   * @example
   * ```ts
   * new aws.lambda.Function("fn", { packageType: "Image", imageUri: image.platformRef("linux/arm64"), architectures: ["arm64"], role });
   * ```
   */
  platformRef(platform: string): pulumi.Output<string> {
    if (!this.platforms.includes(platform)) {
      throw new InputError(
        "platformRef(platform)",
        platform,
        `a platform this image builds: ${this.platforms.join(", ")}`,
      );
    }
    return this.platformRefs.apply((refs) => {
      const ref = refs[platform];
      if (!ref)
        throw new Error(`The pushed index has no manifest for ${platform} (it has: ${Object.keys(refs).join(", ")})`);
      return ref;
    });
  }

  private createRepository(
    name: string,
    args: RepositoryArgs,
    mutability: pulumi.Output<"MUTABLE" | "IMMUTABLE">,
    protectedPatterns: pulumi.Output<string[]>,
    transform: MultiPlatformImageTransforms | undefined,
  ): aws.ecr.Repository {
    if (args.name === undefined)
      validateRepositoryName("name (the repository is named after the component; or give repository.name)", name);
    const encryption = args.encryption ?? { type: "AES256" };
    const excluded = pulumi
      .all([mutability, protectedPatterns])
      .apply(([m, patterns]) => m === "IMMUTABLE" && patterns.length > 0);
    const repositoryArgs: aws.ecr.RepositoryArgs = {
      name:
        args.name === undefined ? undefined : checked(args.name, (n) => validateRepositoryName("repository.name", n)),
      imageTagMutability: pulumi.all([mutability, excluded]).apply(([m, ex]) => (ex ? "IMMUTABLE_WITH_EXCLUSION" : m)),
      imageTagMutabilityExclusionFilters: pulumi
        .all([excluded, protectedPatterns])
        .apply(([ex, patterns]) => (ex ? patterns.map((filter) => ({ filterType: "WILDCARD", filter })) : undefined)),
      imageScanningConfiguration: { scanOnPush: args.scanOnPush ?? true },
      encryptionConfigurations: [
        {
          encryptionType: checked(encryption.type, (t) =>
            validateOneOf("repository.encryption.type", t, ["AES256", "KMS"]),
          ),
          kmsKey: encryption.kmsKey,
        },
      ],
      forceDelete: args.forceDelete ?? false,
      tags: args.tags,
    };
    return new aws.ecr.Repository(...applyTransform(transform?.repository, name, repositoryArgs, { parent: this }));
  }

  private createLifecyclePolicy(
    name: string,
    repository: aws.ecr.Repository,
    args: false | LifecyclePolicyArgs | undefined,
    protectedPatterns: pulumi.Output<string[]>,
    transform: MultiPlatformImageTransforms | undefined,
  ): aws.ecr.LifecyclePolicy | undefined {
    if (args === false) return undefined;
    const days = checked(args?.untaggedExpireDays ?? DEFAULT_UNTAGGED_EXPIRE_DAYS, (d) =>
      validatePositiveInteger("repository.lifecyclePolicy.untaggedExpireDays", d),
    );
    const keep =
      args?.keepTaggedCount === undefined
        ? undefined
        : checked(args.keepTaggedCount, (k) =>
            validatePositiveInteger("repository.lifecyclePolicy.keepTaggedCount", k),
          );
    const policy =
      args?.policy ??
      pulumi
        .all([protectedPatterns, days, keep])
        .apply(([patterns, untaggedExpireDays, keepTaggedCount]) =>
          lifecyclePolicyDocument({ protectedPatterns: patterns, untaggedExpireDays, keepTaggedCount }),
        );
    const policyArgs: aws.ecr.LifecyclePolicyArgs = { repository: repository.name, policy };
    return new aws.ecr.LifecyclePolicy(
      ...applyTransform(transform?.lifecyclePolicy, name, policyArgs, { parent: this }),
    );
  }

  private useExistingRepository(args: ExistingRepositoryArgs): Registry {
    const parts = checked(args.url, (url) => {
      const p = parseRepositoryUrl(url);
      if (!p)
        throw new InputError(
          "existingRepository.url",
          url,
          "a repository URL host[:port]/path, without scheme, tag or digest",
        );
      validateRepositoryName("existingRepository.url (its path)", p.name);
      return p;
    });
    const url = parts.apply((p) => `${p.registry}/${p.name}`);
    if (args.credentials) {
      const credentials = pulumi.output(args.credentials);
      return {
        url,
        name: parts.apply((p) => p.name),
        registryId: pulumi.output(args.registryId ?? parts.apply((p) => p.registryId ?? "")),
        address: parts.apply((p) => p.registry),
        credentials: pulumi.secret(credentials),
      };
    }
    const registryId = pulumi.all([args.registryId, parts]).apply(([id, p]) => {
      const found = id ?? p.registryId;
      if (!found) {
        throw new InputError(
          "existingRepository",
          `${p.registry}/${p.name}`,
          "an ECR repository URL (<account>.dkr.ecr.<region>.amazonaws.com/<name>), or give registryId, or credentials for a registry that is not ECR",
        );
      }
      return found;
    });
    return this.ecrRegistry(
      url,
      parts.apply((p) => p.name),
      registryId,
      parts.apply((p) => p.region),
    );
  }

  /** An ECR registry: credentials from a fresh authorization token (valid 12 hours, rotated every run). */
  private ecrRegistry(
    url: pulumi.Output<string>,
    name: pulumi.Output<string>,
    registryId: pulumi.Output<string>,
    region?: pulumi.Output<string | undefined>,
  ): Registry {
    const token = aws.ecr.getAuthorizationTokenOutput({ registryId, region }, { parent: this });
    return {
      url,
      name,
      registryId,
      address: url.apply((u) => parseRepositoryUrl(u)?.registry ?? u),
      credentials: pulumi.secret({ username: token.userName, password: token.password }),
    };
  }

  private createIndexes(
    name: string,
    tagCount: number,
    registry: dockerBuild.types.input.RegistryArgs,
    sources: pulumi.Output<string>[],
    transform: MultiPlatformImageTransforms | undefined,
    opts: pulumi.CustomResourceOptions,
  ): dockerBuild.Index[] {
    // An Index pushes one tag, so there is one Index per tag (the first one named like the component).
    return Array.from({ length: tagCount }, (_, i) => {
      const indexArgs: dockerBuild.IndexArgs = {
        tag: this.taggedRefs.apply((refs) => refs[i]),
        sources,
        push: true,
        registry,
      };
      const indexName = i === 0 ? name : `${name}-${i}`;
      return new dockerBuild.Index(...applyTransform(transform?.index, indexName, indexArgs, { ...opts }));
    });
  }
}

function resolveCache(cache: false | CacheArgs | undefined): ResolvedCache | undefined {
  if (cache === false) return undefined;
  const c = cache ?? {};
  return {
    tag: checked(c.tag ?? DEFAULT_CACHE_TAG, (t) => validateTag("cache.tag", t)),
    mode: checked(c.mode ?? "max", (m) => validateOneOf("cache.mode", m, ["min", "max"])),
    branch: pulumi.output(c.branch),
    defaultBranch: pulumi.output(c.defaultBranch ?? "main"),
  };
}

function dockerfileArgs(
  dockerfile: MultiPlatformImageArgs["dockerfile"],
): dockerBuild.types.input.DockerfileArgs | undefined {
  if (dockerfile === undefined) return undefined;
  if (typeof dockerfile === "object" && "inline" in dockerfile) return { inline: dockerfile.inline };
  return { location: dockerfile };
}

/**
 * With per-platform builds, each platform's digest is known twice: from its own build, and from the index read
 * back from the registry. They must agree, or the index does not hold what was built.
 */
function crossCheck(
  fromIndex: pulumi.Output<Record<string, string>>,
  fromBuilds: [string, pulumi.Output<string>][],
): pulumi.Output<Record<string, string>> {
  const builds = pulumi.all(fromBuilds.map(([, digest]) => digest));
  return pulumi.all([fromIndex, builds]).apply(([index, built]) => {
    fromBuilds.forEach(([platform], i) => {
      if (index[platform] !== built[i]) {
        throw new Error(
          `The index lists ${index[platform] ?? "nothing"} for ${platform}, but that platform's build pushed ${built[i]}. ` +
            "Is provenance or SBOM output turned on for the per-platform builds (they must push plain manifests)?",
        );
      }
    });
    return index;
  });
}
