/**
 * One program for the benchmark: constructs N MultiPlatformImage components under Pulumi's mocks and prints the
 * milliseconds from the first construction until every component's outputs have resolved (module loading excluded).
 */
import * as pulumi from "@pulumi/pulumi";

const n = Number(process.argv[2] ?? 50);

pulumi.runtime.setMocks(
  {
    newResource: (args) => ({
      id: `${args.name}-id`,
      state: {
        ...args.inputs,
        repositoryUrl: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${args.name}`,
        registryId: "123456789012",
        digest: `sha256:${"a".repeat(64)}`,
        platformDigests: {},
        platformRefs: {},
        attestationDigests: {},
      },
    }),
    call: () => ({ userName: "AWS", password: "token" }),
  },
  "bench",
  "bench",
  false,
);

async function main() {
  const { MultiPlatformImage } = await import("../sdk/multi-platform-image.js");
  const t0 = process.hrtime.bigint();
  const images = Array.from({ length: n }, (_, i) => new MultiPlatformImage(`app${i}`, {}));
  await Promise.all(
    images.map(
      (image) => new Promise((r) => pulumi.all([image.ref, image.platformDigests, image.imageIndex.urn]).apply(r)),
    ),
  );
  console.log(Number(process.hrtime.bigint() - t0) / 1e6);
}

main();
