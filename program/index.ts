/**
 * The root program: what the developers' guide does by hand, done by the component.
 *
 *   docker buildx build --platform linux/amd64,linux/arm64 \
 *     --cache-from type=registry,ref=$ECR_REPOSITORY:buildcache \
 *     --cache-to   type=registry,ref=$ECR_REPOSITORY:buildcache --tag $ECR_REPOSITORY . --push
 *   docker buildx imagetools inspect $ECR_REPOSITORY
 *
 * Run it with `pulumi up` from the repository root (AWS credentials and a buildx builder needed).
 */
import * as pulumi from "@pulumi/pulumi";
import { MultiPlatformImage } from "../index";

const config = new pulumi.Config();

const image = new MultiPlatformImage("app", {
  repository: { name: config.get("repositoryName") ?? "pulumi-ecr-image-demo", forceDelete: true },
  context: "examples/app",
  platforms: ["linux/amd64", "linux/arm64"],
  tags: [config.get("tag") ?? "latest"],
  // CI passes the branch: pull requests write a cache of their own and start warm from main's.
  cache: { branch: process.env.CACHE_BRANCH },
  builder: config.get("builder"),
});

/** Deploy this to ECS or EKS: the index, by digest. */
export const ref = image.ref;
/** Give one of these to Lambda (its architecture) or App Runner (linux/amd64). */
export const platformRefs = image.platformRefs;
export const attestationDigests = image.attestationDigests;
export const cacheRef = image.cacheRef;
