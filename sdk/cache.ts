/**
 * Where the registry build cache lives in the repository: one tag for the default branch, and, for other branches,
 * a tag of their own that is written to and read first, with the default branch's tag read as a fallback.
 */
import { createHash } from "node:crypto";
import { validateTag } from "./validate";

export interface CachePlan {
  /** The ref the build writes its cache to. */
  writeRef: string;
  /** The refs the build reads, most specific first. */
  readRefs: string[];
}

const MAX_TAG = 128;

/**
 * Turns a branch name (`feature/ECR cache`, `refs/heads/main`) into a tag suffix: characters a tag cannot hold
 * become `-`, and a name too long for the tag is cut and given a hash of the whole name, so two long branches
 * never share a cache.
 */
export function sanitizeBranch(branch: string, room: number): string {
  const name = branch.replace(/^refs\/heads\//, "");
  const slug = name
    .replace(/[^a-zA-Z0-9._-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[.-]+|[.-]+$/g, "");
  if (slug !== "" && slug.length <= room) return slug;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  const head = slug.slice(0, Math.max(0, room - hash.length - 1)).replace(/[.-]+$/, "");
  return head ? `${head}-${hash}` : hash;
}

/** The tag part for one platform: `linux/arm/v7` becomes `linux-arm-v7`. */
export function platformSlug(platform: string): string {
  return platform.replace(/\//g, "-");
}

/**
 * The cache refs for a build. `baseTag` is the cache tag (e.g. `buildcache`, or `buildcache-linux-arm64` for one
 * platform's build); with a branch other than the default branch, the build writes `<baseTag>-<branch>` and reads
 * it first, then `<baseTag>`.
 */
export function cachePlan(repositoryUrl: string, baseTag: string, branch?: string, defaultBranch = "main"): CachePlan {
  validateTag("cache.tag", baseTag);
  const base = `${repositoryUrl}:${baseTag}`;
  const name = branch?.replace(/^refs\/heads\//, "");
  if (!name || name === defaultBranch) return { writeRef: base, readRefs: [base] };
  const scoped = `${repositoryUrl}:${baseTag}-${sanitizeBranch(name, MAX_TAG - baseTag.length - 1)}`;
  return { writeRef: scoped, readRefs: [scoped, base] };
}
