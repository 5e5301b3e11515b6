/**
 * pulumi-ecr-image: multi-platform container images in Amazon ECR, built with BuildKit through
 * `@pulumi/docker-build`, with a registry build cache and the digest of every per-platform manifest.
 */

export { ImageIndex, type ImageIndexArgs } from "./provider/image-index";
export {
  type AttestationManifest,
  type ImageIndexInfo,
  type InspectImageIndexOptions,
  inspectImageIndex,
  type PlatformManifest,
  parseReference,
  type RegistryCredentials,
  RegistryError,
} from "./provider/registry-client";
export {
  type CacheArgs,
  DEFAULT_PLATFORMS,
  type ExistingRepositoryArgs,
  type LifecyclePolicyArgs,
  MultiPlatformImage,
  type MultiPlatformImageArgs,
  type MultiPlatformImageTransforms,
  type RepositoryArgs,
} from "./sdk/multi-platform-image";
export type { Transform } from "./sdk/transform";
export { InputError, KNOWN_PLATFORMS } from "./sdk/validate";
