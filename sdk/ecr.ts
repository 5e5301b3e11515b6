/** Facts about ECR repository URLs: `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<name>`. */
export interface RepositoryUrlParts {
  /** `host[:port]`, the address registry credentials are for. */
  registry: string;
  /** The repository path after the host. */
  name: string;
  /** For an ECR URL: the account ID (the registry ID). */
  registryId?: string;
  /** For an ECR URL: its region. */
  region?: string;
}

const ECR_HOST_RE = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** The account and region of an ECR registry host; undefined for any other registry. */
export function parseEcrHost(host: string): { registryId: string; region: string } | undefined {
  const m = ECR_HOST_RE.exec(host);
  return m ? { registryId: m[1], region: m[2] } : undefined;
}

/** Splits a repository URL into its registry host and repository name; recognises ECR hosts. */
export function parseRepositoryUrl(url: string): RepositoryUrlParts | undefined {
  const slash = url.indexOf("/");
  if (slash <= 0 || slash === url.length - 1 || url.includes("://") || /[:@]/.test(url.slice(slash))) return undefined;
  const registry = url.slice(0, slash);
  return { registry, name: url.slice(slash + 1), ...parseEcrHost(registry) };
}
