/**
 * An arm64 Lambda function from a multi-platform image. Lambda does not run an image index ("Lambda does not
 * support functions that use multi-architecture container images"): it takes the digest of the one manifest that
 * matches the function's architecture, which `platformRef("linux/arm64")` gives.
 */
import * as aws from "@pulumi/aws";
import { MultiPlatformImage } from "pulumi-ecr-image";

const image = new MultiPlatformImage("fn", {
  context: "../app",
  dockerfile: "Dockerfile",
  // One image for the arm64 function and for any x86_64 consumer (App Runner, a second function).
  platforms: ["linux/amd64", "linux/arm64"],
  cache: { branch: process.env.CACHE_BRANCH },
  repository: { forceDelete: true },
});

const role = new aws.iam.Role("fn", {
  assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "lambda.amazonaws.com" }),
  managedPolicyArns: [aws.iam.ManagedPolicy.AWSLambdaBasicExecutionRole],
});

const fn = new aws.lambda.Function("fn", {
  packageType: "Image",
  imageUri: image.platformRef("linux/arm64"),
  architectures: ["arm64"],
  role: role.arn,
  memorySize: 256,
  timeout: 10,
});

const url = new aws.lambda.FunctionUrl("fn", { functionName: fn.name, authorizationType: "NONE" });

export const functionName = fn.name;
export const functionUrl = url.functionUrl;
export const imageRef = image.platformRef("linux/arm64");
export const indexRef = image.ref;
