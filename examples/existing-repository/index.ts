/**
 * Pushing to a repository that another stack (a platform team's, say) owns. Give its URL, from config or a stack
 * reference; the component makes no repository and no lifecycle policy, and takes an ECR token for the account
 * in the URL.
 *
 *   pulumi config set repositoryUrl 123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app
 *   # or: pulumi config set repositoryStack acme/platform/prod   (a stack that exports repositoryUrl)
 */
import * as pulumi from "@pulumi/pulumi";
import { MultiPlatformImage } from "pulumi-ecr-image";

const config = new pulumi.Config();
const repositoryStack = config.get("repositoryStack");
const url = repositoryStack
  ? new pulumi.StackReference(repositoryStack).requireOutput("repositoryUrl").apply(String)
  : config.require("repositoryUrl");

const image = new MultiPlatformImage("app", {
  existingRepository: { url },
  context: "../app",
  tags: [process.env.GITHUB_SHA ?? "latest"],
  cache: { branch: process.env.CACHE_BRANCH },
});

export const ref = image.ref;
export const platformRefs = image.platformRefs;
export const cacheRef = image.cacheRef;
