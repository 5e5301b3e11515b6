/** Cache refs and the branch scope. */
import * as assert from "node:assert/strict";
import { cachePlan, platformSlug, sanitizeBranch } from "../sdk/cache";

const URL = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app";

describe("cachePlan", () => {
  it("reads and writes the cache tag without a branch, or on the default branch", () => {
    const plain = { writeRef: `${URL}:buildcache`, readRefs: [`${URL}:buildcache`] };
    assert.deepEqual(cachePlan(URL, "buildcache"), plain);
    assert.deepEqual(cachePlan(URL, "buildcache", "main"), plain);
    assert.deepEqual(cachePlan(URL, "buildcache", "refs/heads/main"), plain);
  });

  it("writes the branch's tag and reads it before the default branch's", () => {
    assert.deepEqual(cachePlan(URL, "buildcache-linux-arm64", "dependabot/npm/x", "trunk"), {
      writeRef: `${URL}:buildcache-linux-arm64-dependabot-npm-x`,
      readRefs: [`${URL}:buildcache-linux-arm64-dependabot-npm-x`, `${URL}:buildcache-linux-arm64`],
    });
  });

  it("rejects a cache tag ECR would refuse", () => {
    assert.throws(() => cachePlan(URL, ".cache"), /argument cache.tag: ".cache" is not valid/);
  });
});

describe("sanitizeBranch", () => {
  it("keeps what a tag can hold and turns the rest into single dashes", () => {
    assert.equal(sanitizeBranch("feature/ECR  cache!", 100), "feature-ECR-cache");
    assert.equal(sanitizeBranch("-.leading/and/trailing.-", 100), "leading-and-trailing");
  });

  it("cuts a long name and adds a hash, so two long branches never share a cache", () => {
    const a = sanitizeBranch(`feature/${"x".repeat(200)}-a`, 40);
    const b = sanitizeBranch(`feature/${"x".repeat(200)}-b`, 40);
    assert.equal(a.length, 40);
    assert.match(a, /^feature-x+-[0-9a-f]{8}$/);
    assert.notEqual(a, b);
  });

  it("falls back to a hash for a name with nothing a tag can hold", () => {
    assert.match(sanitizeBranch("///", 40), /^[0-9a-f]{8}$/);
  });

  it("makes a platform a tag part", () => {
    assert.equal(platformSlug("linux/arm/v7"), "linux-arm-v7");
  });
});
