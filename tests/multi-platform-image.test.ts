/** MultiPlatformImage under Pulumi's mocks: the exact inputs each child receives, in update and preview. */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import type * as mpi from "../sdk/multi-platform-image";
import {
  ACCOUNT,
  HOST,
  imageDigest,
  isSecretInput,
  knownValue,
  type MockState,
  only,
  plain,
  resolve,
  setMocks,
  TYPES,
} from "./support/mocks";

let MultiPlatformImage: typeof mpi.MultiPlatformImage;

before(async () => {
  setMocks(false); // mocks first, then the module, as awsx's tests do
  ({ MultiPlatformImage } = await import("../sdk/multi-platform-image.js"));
});

/** Constructs the component and waits until every child is registered. */
async function construct(state: MockState, args: mpi.MultiPlatformImageArgs = {}, name = "app") {
  const image = new MultiPlatformImage(name, args);
  const children = [
    image.repository?.urn,
    image.lifecyclePolicy?.urn,
    ...Object.values(image.images).map((i) => i.urn),
    ...image.indexes.map((i) => i.urn),
    image.imageIndex.urn,
  ];
  await Promise.all(children.map((u) => (u ? resolve(u) : undefined)));
  await resolve(image.platformDigests);
  void state;
  return image;
}

const URL = `${HOST}/app-abc1234`;
const DEFAULT_DIGEST = imageDigest(["linux/amd64", "linux/arm64"]);

for (const preview of [false, true]) {
  describe(`MultiPlatformImage defaults (${preview ? "preview" : "update"})`, () => {
    let state: MockState;
    let image: mpi.MultiPlatformImage;
    before(async () => {
      state = setMocks(preview);
      image = await construct(state);
    });

    it("creates a scanned, AES256-encrypted, mutable repository that is not force-deleted", () => {
      assert.deepEqual(only(state, TYPES.repository).inputs, {
        imageTagMutability: "MUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "AES256" }],
        forceDelete: false,
      });
    });

    it("attaches a lifecycle policy that keeps the cache and expires untagged images after 14 days", () => {
      const policy = only(state, TYPES.lifecyclePolicy).inputs;
      assert.equal(policy.repository, "app-abc1234");
      assert.deepEqual(JSON.parse(policy.policy as string), {
        rules: [
          {
            rulePriority: 1,
            description: "Keep the tags the build rewrites (buildcache*)",
            selection: {
              tagStatus: "tagged",
              tagPatternList: ["buildcache*"],
              countType: "imageCountMoreThan",
              countNumber: 1000,
            },
            action: { type: "expire" },
          },
          {
            rulePriority: 2,
            description: "Expire untagged images after 14 days",
            selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 14 },
            action: { type: "expire" },
          },
        ],
      });
    });

    it("asks ECR for a token for the repository's registry", () => {
      assert.deepEqual(state.invokes, [
        { token: "aws:ecr/getAuthorizationToken:getAuthorizationToken", inputs: { registryId: ACCOUNT } },
      ]);
    });

    it("builds both platforms with the ECR registry cache, pushed, credentials secret", () => {
      const inputs = only(state, TYPES.image).inputs;
      assert.ok(isSecretInput(inputs.registries), "registries (with the password) must be a secret");
      assert.deepEqual(plain(inputs), {
        platforms: ["linux/amd64", "linux/arm64"],
        push: true,
        context: { location: "." },
        tags: [`${URL}:latest`],
        registries: [{ address: HOST, username: "AWS", password: "ecr-token-1" }],
        cacheFrom: [{ registry: { ref: `${URL}:buildcache` } }],
        cacheTo: [{ registry: { ref: `${URL}:buildcache`, mode: "max", imageManifest: true, ociMediaTypes: true } }],
        buildOnPreview: true,
        network: "default",
      });
    });

    it("reads the pushed index back with secret credentials", () => {
      const inputs = only(state, TYPES.imageIndex).inputs;
      assert.ok(isSecretInput(inputs.credentials));
      assert.deepEqual(plain(inputs.credentials), { username: "AWS", password: "ecr-token-1" });
      assert.equal(inputs.repositoryUrl, URL);
      assert.deepEqual(inputs.expectedPlatforms, ["linux/amd64", "linux/arm64"]);
      assert.equal(typeof inputs.__provider, "string");
      if (preview) assert.ok(pulumi.isUnknown(inputs.digest), "an unknown digest in preview");
      else assert.equal(inputs.digest, DEFAULT_DIGEST);
    });

    it("exposes the repository outputs", async () => {
      assert.equal(await knownValue(image.repositoryUrl), URL);
      assert.equal(await knownValue(image.repositoryName), "app-abc1234");
      assert.equal(await knownValue(image.registryId), ACCOUNT);
      assert.deepEqual(await knownValue(image.taggedRefs), [`${URL}:latest`]);
      assert.equal(await knownValue(image.cacheRef), `${URL}:buildcache`);
      assert.deepEqual(await knownValue(image.cacheRefs), {
        "linux/amd64": `${URL}:buildcache`,
        "linux/arm64": `${URL}:buildcache`,
      });
      assert.deepEqual(image.platforms, ["linux/amd64", "linux/arm64"]);
    });

    if (preview) {
      it("leaves the digests unknown in preview", async () => {
        for (const o of [
          image.digest,
          image.ref,
          image.platformDigests,
          image.platformRefs,
          image.attestationDigests,
        ]) {
          assert.equal((await resolve(o as never)).known, false);
        }
      });
    } else {
      it("exposes the index digest, its ref and the per-platform digests", async () => {
        assert.equal(await knownValue(image.digest), DEFAULT_DIGEST);
        assert.equal(await knownValue(image.ref), `${URL}@${DEFAULT_DIGEST}`);
        const digests = await knownValue(image.platformDigests);
        assert.deepEqual(Object.keys(digests), ["linux/amd64", "linux/arm64"]);
        assert.deepEqual(await knownValue(image.platformRefs), {
          "linux/amd64": `${URL}@${digests["linux/amd64"]}`,
          "linux/arm64": `${URL}@${digests["linux/arm64"]}`,
        });
        assert.equal(await knownValue(image.platformRef("linux/arm64")), `${URL}@${digests["linux/arm64"]}`);
        assert.deepEqual(Object.keys(await knownValue(image.attestationDigests)), ["linux/amd64", "linux/arm64"]);
      });
    }
  });
}

describe("MultiPlatformImage options", () => {
  it("passes every build option through, build secrets as secrets", async () => {
    const state = setMocks(false);
    await construct(state, {
      platforms: ["linux/arm64", "linux/arm/v7"],
      context: "./app",
      dockerfile: "./app/Dockerfile.prod",
      buildArgs: { GO_VERSION: "1.26" },
      target: "runtime",
      secrets: { npmrc: "//registry/:_authToken=x" },
      labels: { team: "payments" },
      tags: ["v1.2.3", "latest"],
      builder: "remote-builder",
      buildOnPreview: false,
      cache: { tag: "cache", mode: "min" },
    });
    const inputs = only(state, TYPES.image).inputs;
    assert.ok(isSecretInput(inputs.secrets), "build secrets must be secret");
    assert.deepEqual(plain(inputs), {
      platforms: ["linux/arm64", "linux/arm/v7"],
      push: true,
      context: { location: "./app" },
      dockerfile: { location: "./app/Dockerfile.prod" },
      buildArgs: { GO_VERSION: "1.26" },
      target: "runtime",
      secrets: { npmrc: "//registry/:_authToken=x" },
      labels: { team: "payments" },
      tags: [`${URL}:v1.2.3`, `${URL}:latest`],
      registries: [{ address: HOST, username: "AWS", password: "ecr-token-1" }],
      builder: { name: "remote-builder" },
      cacheFrom: [{ registry: { ref: `${URL}:cache` } }],
      cacheTo: [{ registry: { ref: `${URL}:cache`, mode: "min", imageManifest: true, ociMediaTypes: true } }],
      buildOnPreview: false,
      network: "default",
    });
    assert.deepEqual(only(state, TYPES.imageIndex).inputs.expectedPlatforms, ["linux/arm64", "linux/arm/v7"]);
  });

  it("takes an inline Dockerfile", async () => {
    const state = setMocks(false);
    await construct(state, { dockerfile: { inline: "FROM scratch\n" } });
    assert.deepEqual(only(state, TYPES.image).inputs.dockerfile, { inline: "FROM scratch\n" });
  });

  it("configures the repository: name, KMS, no scan, force delete, tags", async () => {
    const state = setMocks(false);
    const image = await construct(state, {
      repository: {
        name: "team/app",
        encryption: { type: "KMS", kmsKey: "arn:aws:kms:us-east-1:123456789012:key/k" },
        scanOnPush: false,
        forceDelete: true,
        tags: { team: "payments" },
      },
    });
    assert.deepEqual(only(state, TYPES.repository).inputs, {
      name: "team/app",
      imageTagMutability: "MUTABLE",
      imageScanningConfiguration: { scanOnPush: false },
      encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: "arn:aws:kms:us-east-1:123456789012:key/k" }],
      forceDelete: true,
      tags: { team: "payments" },
    });
    assert.equal(await knownValue(image.repositoryUrl), `${HOST}/team/app`);
  });

  it("keeps the cache tags writable in an IMMUTABLE repository with exclusion filters", async () => {
    const state = setMocks(false);
    await construct(state, { repository: { imageTagMutability: "IMMUTABLE" }, tags: ["v1"] });
    const repo = only(state, TYPES.repository).inputs;
    assert.equal(repo.imageTagMutability, "IMMUTABLE_WITH_EXCLUSION");
    assert.deepEqual(repo.imageTagMutabilityExclusionFilters, [{ filterType: "WILDCARD", filter: "buildcache*" }]);
  });

  it("keeps an IMMUTABLE repository fully immutable when the cache is off", async () => {
    const state = setMocks(false);
    await construct(state, { repository: { imageTagMutability: "IMMUTABLE" }, tags: ["v1"], cache: false });
    const repo = only(state, TYPES.repository).inputs;
    assert.equal(repo.imageTagMutability, "IMMUTABLE");
    assert.equal(repo.imageTagMutabilityExclusionFilters, undefined);
  });

  it("turns the cache off: no cache refs, no cache rule", async () => {
    const state = setMocks(false);
    const image = await construct(state, { cache: false });
    const inputs = only(state, TYPES.image).inputs;
    assert.equal(inputs.cacheFrom, undefined);
    assert.equal(inputs.cacheTo, undefined);
    assert.equal(await knownValue(image.cacheRef), undefined);
    assert.deepEqual(await knownValue(image.cacheRefs), {});
    const rules = JSON.parse(only(state, TYPES.lifecyclePolicy).inputs.policy as string).rules;
    assert.deepEqual(
      rules.map((r: { selection: { tagStatus: string } }) => r.selection.tagStatus),
      ["untagged"],
    );
  });

  it("scopes the cache to a branch, reading the default branch's cache as a fallback", async () => {
    const state = setMocks(false);
    const image = await construct(state, { cache: { branch: "feature/ECR cache!" } });
    const inputs = plain(only(state, TYPES.image).inputs) as Record<string, unknown>;
    assert.deepEqual(inputs.cacheFrom, [
      { registry: { ref: `${URL}:buildcache-feature-ECR-cache` } },
      { registry: { ref: `${URL}:buildcache` } },
    ]);
    assert.deepEqual(inputs.cacheTo, [
      {
        registry: {
          ref: `${URL}:buildcache-feature-ECR-cache`,
          mode: "max",
          imageManifest: true,
          ociMediaTypes: true,
        },
      },
    ]);
    assert.equal(await knownValue(image.cacheRef), `${URL}:buildcache-feature-ECR-cache`);
  });

  it("uses the default cache tag on the default branch", async () => {
    const state = setMocks(false);
    await construct(state, { cache: { branch: "refs/heads/trunk", defaultBranch: "trunk" } });
    const inputs = plain(only(state, TYPES.image).inputs) as Record<string, unknown>;
    assert.deepEqual(inputs.cacheFrom, [{ registry: { ref: `${URL}:buildcache` } }]);
  });

  it("lets the user tune, replace or drop the lifecycle policy", async () => {
    let state = setMocks(false);
    await construct(state, { repository: { lifecyclePolicy: { untaggedExpireDays: 3, keepTaggedCount: 20 } } });
    const rules = JSON.parse(only(state, TYPES.lifecyclePolicy).inputs.policy as string).rules;
    assert.deepEqual(
      rules.map((r: { rulePriority: number; selection: object }) => [r.rulePriority, r.selection]),
      [
        [
          1,
          { tagStatus: "tagged", tagPatternList: ["buildcache*"], countType: "imageCountMoreThan", countNumber: 1000 },
        ],
        [2, { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: 20 }],
        [3, { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 3 }],
      ],
    );

    state = setMocks(false);
    await construct(state, { repository: { lifecyclePolicy: { policy: '{"rules":[]}' } } });
    assert.equal(only(state, TYPES.lifecyclePolicy).inputs.policy, '{"rules":[]}');

    state = setMocks(false);
    await construct(state, { repository: { lifecyclePolicy: false } });
    assert.equal(state.resources.filter((r) => r.type === TYPES.lifecyclePolicy).length, 0);
  });

  it("applies transforms: properties merged, or a function that edits args", async () => {
    const state = setMocks(false);
    await construct(state, {
      transform: {
        repository: { forceDelete: true },
        image: (args) => {
          args.noCache = true;
        },
      },
    });
    assert.equal(only(state, TYPES.repository).inputs.forceDelete, true);
    assert.equal(only(state, TYPES.image).inputs.noCache, true);
  });

  it("uses an existing ECR repository: no repository, a token for the URL's account and region", async () => {
    const state = setMocks(false);
    const url = "210987654321.dkr.ecr.eu-west-1.amazonaws.com/shared/app";
    const image = await construct(state, { existingRepository: { url } });
    assert.equal(
      state.resources.filter((r) => r.type === TYPES.repository || r.type === TYPES.lifecyclePolicy).length,
      0,
    );
    assert.deepEqual(state.invokes[0].inputs, { registryId: "210987654321", region: "eu-west-1" });
    assert.equal(await knownValue(image.repositoryName), "shared/app");
    assert.equal(await knownValue(image.registryId), "210987654321");
    const inputs = plain(only(state, TYPES.image).inputs) as { registries: { address: string }[]; tags: string[] };
    assert.equal(inputs.registries[0].address, "210987654321.dkr.ecr.eu-west-1.amazonaws.com");
    assert.deepEqual(inputs.tags, [`${url}:latest`]);
  });

  it("uses given credentials for a registry that is not ECR, with no AWS call", async () => {
    const state = setMocks(false);
    await construct(state, {
      existingRepository: { url: "ghcr.io/acme/app", credentials: { username: "bot", password: "ghp_x" } },
    });
    assert.deepEqual(state.invokes, []);
    const inputs = only(state, TYPES.image).inputs;
    assert.ok(isSecretInput(inputs.registries));
    assert.deepEqual(plain(inputs.registries), [{ address: "ghcr.io", username: "bot", password: "ghp_x" }]);
    assert.ok(isSecretInput(only(state, TYPES.imageIndex).inputs.credentials));
  });

  it("fails platformRef for a platform that was not built", async () => {
    const state = setMocks(false);
    const image = await construct(state);
    assert.throws(
      () => image.platformRef("linux/s390x"),
      /platformRef\(platform\): "linux\/s390x" is not valid: a platform this image builds: linux\/amd64, linux\/arm64/,
    );
  });

  it("gives the read-back the same inputs when only the ECR token rotated", async () => {
    const first = setMocks(false, "token-monday");
    await construct(first);
    const second = setMocks(false, "token-tuesday");
    await construct(second);
    const a = plain(only(first, TYPES.imageIndex).inputs) as Record<string, unknown>;
    const b = plain(only(second, TYPES.imageIndex).inputs) as Record<string, unknown>;
    assert.notDeepEqual(a.credentials, b.credentials);
    const { imageIndexProvider } = await import("../provider/image-index.js");
    const diff = await imageIndexProvider.diff?.("id", { ...a, credentials: undefined }, b);
    assert.equal(diff?.changes, false, "a rotated token must not be a change");
  });
});

describe("MultiPlatformImage bad inputs fail at construction, naming the argument", () => {
  beforeEach(() => setMocks(true));
  const cases: [string, mpi.MultiPlatformImageArgs, RegExp, string?][] = [
    [
      "repository and existingRepository",
      { repository: {}, existingRepository: { url: `${HOST}/x` } },
      /argument existingRepository: .* give repository \(to create one\) or existingRepository \(to use one\), not both/,
    ],
    ["no platforms", { platforms: [] }, /argument platforms: \[\] is not valid: give at least one platform/],
    [
      "an unknown platform",
      { platforms: ["linux/amd65"] },
      /argument platforms\[0\]: "linux\/amd65" is not valid: a platform is one of .*linux\/amd64/,
    ],
    [
      "a repeated platform",
      { platforms: ["linux/amd64", "linux/amd64"] },
      /argument platforms: .* each platform once \("linux\/amd64" is repeated\)/,
    ],
    ["a bad tag", { tags: ["-v1"] }, /argument tags\[0\]: "-v1" is not valid: an ECR tag is 1 to 128 characters/],
    ["a repeated tag", { tags: ["v1", "v1"] }, /argument tags: .* each tag once/],
    ["no tags", { tags: [] }, /argument tags: \[\] is not valid: give at least one tag/],
    [
      "a bad repository name",
      { repository: { name: "Team/App" } },
      /argument repository.name: "Team\/App" is not valid: an ECR repository name is 2 to 256 characters/,
    ],
    ["a bad cache tag", { cache: { tag: "build cache" } }, /argument cache.tag: "build cache" is not valid/],
    [
      "a bad cache mode",
      { cache: { mode: "all" as never } },
      /argument cache.mode: "all" is not valid: one of "min", "max"/,
    ],
    [
      "a bad strategy",
      { strategy: "matrix" as never },
      /argument strategy: "matrix" is not valid: one of "single", "per-platform"/,
    ],
    [
      "builders without per-platform",
      { builders: { "linux/arm64": "arm" } },
      /argument builders: .* builders only apply with strategy: "per-platform"/,
    ],
    [
      "a builders key that is not a platform",
      { strategy: "per-platform", builders: { "linux/s390x": "z" } },
      /argument builders\["linux\/s390x"\]: "linux\/s390x" is not valid: a key of builders is one of the platforms: linux\/amd64, linux\/arm64/,
    ],
    [
      "a bad mutability",
      { repository: { imageTagMutability: "FROZEN" as never } },
      /argument repository.imageTagMutability: "FROZEN" is not valid: one of "MUTABLE", "IMMUTABLE"/,
    ],
    [
      "a bad encryption",
      { repository: { encryption: { type: "DES" as never } } },
      /argument repository.encryption.type: "DES"/,
    ],
    [
      "a component name ECR refuses",
      {},
      /argument name \(the repository is named after the component; or give repository.name\): "App"/,
      "App",
    ],
  ];
  for (const [what, args, error, name] of cases) {
    it(`rejects ${what}`, () => {
      assert.throws(() => new MultiPlatformImage(name ?? "app", args), error);
    });
  }

  it("rejects an existingRepository URL that is not a repository URL", () => {
    assert.throws(
      () => new MultiPlatformImage("app", { existingRepository: { url: "https://ghcr.io/acme/app" } }),
      /argument existingRepository.url: "https:\/\/ghcr.io\/acme\/app" is not valid: a repository URL host\[:port\]\/path/,
    );
  });

  it("rejects a registry that is neither ECR nor given credentials", async () => {
    const image = new MultiPlatformImage("app", { existingRepository: { url: "ghcr.io/acme/app" } });
    await assert.rejects(
      knownValue(image.registryId),
      /argument existingRepository: "ghcr.io\/acme\/app" is not valid: an ECR repository URL .* or credentials for a registry that is not ECR/,
    );
  });

  it("rejects the default tag in an IMMUTABLE repository", () => {
    assert.throws(
      () => new MultiPlatformImage("app", { repository: { imageTagMutability: "IMMUTABLE" } }),
      /argument tags: \["latest"\] is not valid: an IMMUTABLE repository cannot take the default tag "latest"/,
    );
  });

  it("rejects a lifecycle rule count below 1", () => {
    assert.throws(
      () => new MultiPlatformImage("app", { repository: { lifecyclePolicy: { untaggedExpireDays: 0 } } }),
      /argument repository.lifecyclePolicy.untaggedExpireDays: 0 is not valid: a whole number of 1 or more/,
    );
    assert.throws(
      () => new MultiPlatformImage("app", { repository: { lifecyclePolicy: { keepTaggedCount: 2.5 } } }),
      /argument repository.lifecyclePolicy.keepTaggedCount: 2.5 is not valid/,
    );
  });
});

describe('MultiPlatformImage strategy "per-platform"', () => {
  const args: mpi.MultiPlatformImageArgs = {
    strategy: "per-platform",
    tags: ["v1", "latest"],
    builder: "default-builder",
    builders: { "linux/arm64": "arm-builder" },
    cache: { branch: "pr-1" },
    repository: { imageTagMutability: "IMMUTABLE" },
  };

  for (const preview of [false, true]) {
    describe(preview ? "preview" : "update", () => {
      let state: MockState;
      let image: mpi.MultiPlatformImage;
      before(async () => {
        state = setMocks(preview);
        image = await construct(state, args);
      });

      it("builds each platform on its own builder, with its own tag and branch-scoped cache", () => {
        for (const [platform, slug, builder] of [
          ["linux/amd64", "linux-amd64", "default-builder"],
          ["linux/arm64", "linux-arm64", "arm-builder"],
        ]) {
          const inputs = only(state, TYPES.image, `app-${slug}`).inputs;
          assert.ok(isSecretInput(inputs.registries));
          assert.deepEqual(plain(inputs), {
            platforms: [platform],
            push: true,
            context: { location: "." },
            tags: [`${URL}:v1-${slug}`],
            registries: [{ address: HOST, username: "AWS", password: "ecr-token-1" }],
            builder: { name: builder },
            cacheFrom: [
              { registry: { ref: `${URL}:buildcache-${slug}-pr-1` } },
              { registry: { ref: `${URL}:buildcache-${slug}` } },
            ],
            cacheTo: [
              {
                registry: {
                  ref: `${URL}:buildcache-${slug}-pr-1`,
                  mode: "max",
                  imageManifest: true,
                  ociMediaTypes: true,
                },
              },
            ],
            buildOnPreview: true,
            network: "default",
          });
        }
      });

      it("joins the platform images into one Index per tag, with secret credentials", () => {
        const indexes = state.resources.filter((r) => r.type === TYPES.index);
        assert.deepEqual(
          indexes.map((i) => [i.name, i.inputs.tag]),
          [
            ["app", `${URL}:v1`],
            ["app-1", `${URL}:latest`],
          ],
        );
        for (const index of indexes) {
          assert.equal(index.inputs.push, true);
          assert.ok(isSecretInput(index.inputs.registry));
          assert.deepEqual(plain(index.inputs.registry), { address: HOST, username: "AWS", password: "ecr-token-1" });
          if (preview)
            assert.ok(
              pulumi.isUnknown(index.inputs.sources) || (index.inputs.sources as unknown[]).every(pulumi.isUnknown),
            );
          else
            assert.deepEqual(index.inputs.sources, [
              `${URL}:v1-linux-amd64@${imageDigest(["linux/amd64"])}`,
              `${URL}:v1-linux-arm64@${imageDigest(["linux/arm64"])}`,
            ]);
        }
      });

      it("keeps the per-platform and cache tags writable and out of reach of the lifecycle rules", () => {
        const repo = only(state, TYPES.repository).inputs;
        assert.equal(repo.imageTagMutability, "IMMUTABLE_WITH_EXCLUSION");
        assert.deepEqual(
          (repo.imageTagMutabilityExclusionFilters as { filter: string }[]).map((f) => f.filter),
          ["buildcache*", "*-linux-amd64", "*-linux-arm64"],
        );
        const rules = JSON.parse(only(state, TYPES.lifecyclePolicy).inputs.policy as string).rules;
        assert.deepEqual(
          rules.map(
            (r: { selection: { tagPatternList?: string[]; tagStatus: string } }) =>
              r.selection.tagPatternList ?? r.selection.tagStatus,
          ),
          [["buildcache*"], ["*-linux-amd64"], ["*-linux-arm64"], "untagged"],
        );
      });

      it("exposes one cache ref per platform", async () => {
        assert.deepEqual(await knownValue(image.cacheRefs), {
          "linux/amd64": `${URL}:buildcache-linux-amd64-pr-1`,
          "linux/arm64": `${URL}:buildcache-linux-arm64-pr-1`,
        });
        assert.equal(await knownValue(image.cacheRef), undefined);
      });

      if (preview) {
        it("leaves the index digest and per-platform digests unknown", async () => {
          assert.equal((await resolve(image.digest)).known, false);
          assert.equal((await resolve(image.platformDigests)).known, false);
        });
      } else {
        it("reports the index digest and the per-platform builds' digests, cross-checked", async () => {
          const digest = await knownValue(image.digest);
          assert.match(digest, /^sha256:[a-f0-9]{64}$/);
          assert.equal(await knownValue(image.ref), `${URL}@${digest}`);
          assert.equal(only(state, TYPES.imageIndex).inputs.digest, digest);
          assert.deepEqual(await knownValue(image.platformDigests), {
            "linux/amd64": imageDigest(["linux/amd64"]),
            "linux/arm64": imageDigest(["linux/arm64"]),
          });
        });
      }
    });
  }

  it("fails when the index read back does not list what a platform's build pushed", async () => {
    const state = setMocks(false);
    state.manifestDigest = (p) => imageDigest([`${p}-other`]);
    const image = new MultiPlatformImage("app", { strategy: "per-platform", tags: ["v1"] });
    await assert.rejects(
      knownValue(image.platformDigests),
      /The index lists sha256:[a-f0-9]+ for linux\/amd64, but that platform's build pushed sha256:[a-f0-9]+/,
    );
  });

  it("rejects a per-platform tag longer than ECR allows", () => {
    setMocks(true);
    assert.throws(
      () => new MultiPlatformImage("app", { strategy: "per-platform", tags: ["t".repeat(120)] }),
      /the per-platform tag/,
    );
  });
});
