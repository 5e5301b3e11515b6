/**
 * Input validation. Every check throws an error that names the argument, shows the bad value and says what is
 * allowed, so that `pulumi preview` fails on a pull request instead of `pulumi up` failing after a build.
 */
import * as dockerBuild from "@pulumi/docker-build";

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

/** ECR's tag rule: 1 to 128 characters of letters, digits, `.`, `_` and `-`, not starting with `.` or `-`. */
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
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
  if (tags.length === 0) throw new InputError(argument, tags, "give at least one tag, or leave it unset for 'latest'");
  for (const [i, t] of tags.entries()) validateTag(`${argument}[${i}]`, t);
  const dup = tags.find((t, i) => tags.indexOf(t) !== i);
  if (dup !== undefined) throw new InputError(argument, tags, `each tag once ("${dup}" is repeated)`);
  return [...tags];
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
  if (platforms.length === 0) throw new InputError(argument, platforms, "give at least one platform, e.g. linux/amd64");
  platforms.forEach((p, i) => {
    if (!KNOWN_PLATFORMS.includes(p)) {
      throw new InputError(`${argument}[${i}]`, p, `a platform is one of ${KNOWN_PLATFORMS.join(", ")}`);
    }
  });
  const dup = platforms.find((p, i) => platforms.indexOf(p) !== i);
  if (dup !== undefined) throw new InputError(argument, platforms, `each platform once ("${dup}" is repeated)`);
  return [...platforms];
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
