/**
 * Input validation. Every check throws an error that names the argument, shows the bad value and says what is
 * allowed, so that `pulumi preview` fails on a pull request instead of `pulumi up` failing after a build.
 */
import * as dockerBuild from "@pulumi/docker-build";
import { TAG_RE } from "../provider/registry-client";

/** An argument the user gave that cannot work. */
export class InputError extends Error {
  constructor(
    readonly argument: string,
    readonly value: unknown,
    allowed: string,
  ) {
    super(`MultiPlatformImage argument ${argument}: ${JSON.stringify(value)} is not valid: ${allowed}`);
    this.name = "InputError";
  }
}

/** ECR's repository name rule (2 to 256 characters). */
const REPOSITORY_RE = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/**
 * The platforms BuildKit can target: docker-build's list plus the variants docker writes (arm/v6, arm/v7,
 * arm64/v8, and the amd64 micro-architecture levels).
 */
export const KNOWN_PLATFORMS: readonly string[] = [
  ...Object.values(dockerBuild.types.enums.Platform),
  "linux/arm/v6",
  "linux/arm/v7",
  "linux/arm64/v8",
  "linux/amd64/v2",
  "linux/amd64/v3",
  "linux/amd64/v4",
];

export function validateTag(argument: string, tag: string): string {
  if (!TAG_RE.test(tag)) {
    throw new InputError(
      argument,
      tag,
      "an ECR tag is 1 to 128 characters of letters, digits, '.', '_' and '-', and does not start with '.' or '-'",
    );
  }
  return tag;
}

export function validateTags(argument: string, tags: readonly string[]): string[] {
  return validateList(argument, tags, "tag", "give at least one tag, or leave it unset for 'latest'", validateTag);
}

export function validateRepositoryName(argument: string, name: string): string {
  if (name.length < 2 || name.length > 256 || !REPOSITORY_RE.test(name)) {
    throw new InputError(
      argument,
      name,
      "an ECR repository name is 2 to 256 characters: lowercase letters and digits, separated by '.', '_', '-' or '/' (e.g. \"team/app\")",
    );
  }
  return name;
}

export function validatePlatforms(argument: string, platforms: readonly string[]): string[] {
  return validateList(argument, platforms, "platform", "give at least one platform, e.g. linux/amd64", (arg, p) => {
    if (!KNOWN_PLATFORMS.includes(p))
      throw new InputError(arg, p, `a platform is one of ${KNOWN_PLATFORMS.join(", ")}`);
  });
}

/** A non-empty list without repeats, each item checked under its own name (`tags[1]`). */
function validateList(
  argument: string,
  items: readonly string[],
  noun: string,
  whenEmpty: string,
  validateItem: (argument: string, item: string) => void,
): string[] {
  if (items.length === 0) throw new InputError(argument, items, whenEmpty);
  for (const [i, item] of items.entries()) validateItem(`${argument}[${i}]`, item);
  const dup = items.find((item, i) => items.indexOf(item) !== i);
  if (dup !== undefined) throw new InputError(argument, items, `each ${noun} once ("${dup}" is repeated)`);
  return [...items];
}

export function validateOneOf<T extends string>(argument: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InputError(argument, value, `one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
  }
  return value as T;
}

export function validatePositiveInteger(argument: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new InputError(argument, value, "a whole number of 1 or more");
  return value;
}
