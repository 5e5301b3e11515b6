import type * as pulumi from "@pulumi/pulumi";

/**
 * An escape hatch for a child resource, as SST offers: either properties merged over the ones the component
 * computed, or a function that edits the arguments and options in place.
 *
 * @example
 * ```ts
 * transform: {
 *   repository: { tags: { team: "payments" } },
 *   image: (args) => { args.noCache = true; },
 * }
 * ```
 */
export type Transform<T> = Partial<T> | ((args: T, opts: pulumi.CustomResourceOptions, name: string) => void);

/** Applies a transform to a child resource's name, arguments and options. */
export function applyTransform<T extends object>(
  transform: Transform<T> | undefined,
  name: string,
  args: T,
  opts: pulumi.CustomResourceOptions,
): [string, T, pulumi.CustomResourceOptions] {
  if (typeof transform === "function") {
    transform(args, opts, name);
    return [name, args, opts];
  }
  return [name, { ...args, ...transform }, opts];
}
