import * as pulumi from "@pulumi/pulumi";

/** True when a value holds no Output or Promise anywhere, so it can be checked before any resource exists. */
function isPlain(value: unknown): boolean {
  if (pulumi.Output.isInstance(value) || value instanceof Promise) return false;
  if (Array.isArray(value)) return value.every(isPlain);
  if (value !== null && typeof value === "object") return Object.values(value).every(isPlain);
  return true;
}

/**
 * Validates an input now when it is a plain value (so a bad argument fails at construction, with a stack that
 * points at the user's call), or as soon as it resolves when it holds an Output or a Promise.
 */
export function checked<T, U = T>(input: pulumi.Input<T>, validate: (value: pulumi.Unwrap<T>) => U): pulumi.Output<U> {
  const output = isPlain(input)
    ? pulumi.output(validate(input as pulumi.Unwrap<T>))
    : pulumi.output(input).apply((v) => validate(v as pulumi.Unwrap<T>));
  return output as pulumi.Output<U>;
}
