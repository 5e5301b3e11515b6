/**
 * The default ECR lifecycle policy, written for multi-platform images:
 * - the tags the component rewrites on every build (the cache tags, and the per-platform tags of the
 *   `per-platform` strategy) are matched first, by rules that keep up to 1000 of each, so no later rule expires them;
 * - tagged images (the indexes people deploy) are expired only when the user asks for a count rule;
 * - untagged images (superseded cache manifests, indexes whose tag moved on) expire after a number of days.
 *   ECR does not expire the per-platform and attestation manifests an index still lists (they are untagged
 *   children of a tagged index), and deleting an index by a count rule takes its children with it.
 */
export interface LifecyclePolicyRuleInputs {
  /** Wildcard tag patterns never to expire, one rule each (ECR ANDs the patterns of one rule). */
  protectedPatterns: string[];
  untaggedExpireDays: number;
  keepTaggedCount?: number;
}

const KEEP_PROTECTED = 1000;

export function lifecyclePolicyDocument(inputs: LifecyclePolicyRuleInputs): string {
  const rules: object[] = inputs.protectedPatterns.map((pattern) => ({
    description: `Keep the tags the build rewrites (${pattern})`,
    selection: {
      tagStatus: "tagged",
      tagPatternList: [pattern],
      countType: "imageCountMoreThan",
      countNumber: KEEP_PROTECTED,
    },
  }));
  if (inputs.keepTaggedCount !== undefined) {
    rules.push({
      description: `Keep the ${inputs.keepTaggedCount} most recent tagged images`,
      selection: {
        tagStatus: "tagged",
        tagPatternList: ["*"],
        countType: "imageCountMoreThan",
        countNumber: inputs.keepTaggedCount,
      },
    });
  }
  rules.push({
    description: `Expire untagged images after ${inputs.untaggedExpireDays} days`,
    selection: {
      tagStatus: "untagged",
      countType: "sinceImagePushed",
      countUnit: "days",
      countNumber: inputs.untaggedExpireDays,
    },
  });
  // ECR sorts rules by priority; keeping them in order keeps the stored policy equal to ours (no perpetual diff).
  return JSON.stringify({
    rules: rules.map((r, i) => ({ rulePriority: i + 1, ...r, action: { type: "expire" } })),
  });
}
