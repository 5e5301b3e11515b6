/**
 * The end-to-end program: the root program's build (the Go app, both platforms, the registry cache), pushed to the
 * local TLS registry the lane starts, with its credentials instead of an ECR token. The lane's own base images
 * stand in for golang and distroless (no public image can be pulled there).
 */
import * as pulumi from "@pulumi/pulumi";
import { MultiPlatformImage } from "../../../index";

const config = new pulumi.Config();
const registry = config.require("registry");

const image = new MultiPlatformImage("app", {
  strategy: config.get("strategy") === "per-platform" ? "per-platform" : "single",
  existingRepository: {
    url: `${registry}/${config.get("repository") ?? "e2e/app"}`,
    credentials: { username: config.require("username"), password: config.requireSecret("password") },
  },
  context: config.require("context"),
  platforms: ["linux/amd64", "linux/arm64"],
  tags: ["e2e"],
  buildArgs: { GO_IMAGE: `${registry}/base/golang:e2e`, RUNTIME_IMAGE: `${registry}/base/static:e2e` },
  builder: config.require("builder"),
});

export const digest = image.digest;
export const ref = image.ref;
export const platformDigests = image.platformDigests;
export const platformRefs = image.platformRefs;
export const attestationDigests = image.attestationDigests;
export const cacheRef = image.cacheRef;
export const cacheRefs = image.cacheRefs;
export const imageUrn = Object.values(image.images)[0].urn;
