/**
 * Pulumi mocks that record what each child resource and invoke receives, and answer like the real providers do
 * (ECR URLs, docker-build digests, the ImageIndex read-back), with no outputs in preview where the real engine
 * would have none.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";
export const HOST = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;

export interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export interface MockState {
  resources: Recorded[];
  invokes: { token: string; inputs: Record<string, unknown> }[];
  /** The password the next ECR token carries (a new one each run, as ECR's are). */
  password: string;
  /**
   * The manifest digest the read-back finds for a platform. By default what a one-platform build of it pushed,
   * as a registry would report for an index that joins per-platform builds.
   */
  manifestDigest: (platform: string) => string;
}

export function imageDigest(platforms: string[]): string {
  return fakeDigest(`image:${JSON.stringify(platforms)}`);
}

/** The secret marker the mock monitor leaves on secret inputs. */
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";

export function isSecretInput(v: unknown): boolean {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG] === SECRET;
}

/** Removes the secret markers, to compare the values themselves. */
export function plain(v: unknown): unknown {
  if (isSecretInput(v)) return plain((v as { value: unknown }).value);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

export function fakeDigest(seed: string): string {
  return `sha256:${createHash("sha256").update(seed).digest("hex")}`;
}

export function setMocks(preview: boolean, password = "ecr-token-1"): MockState {
  const state: MockState = { resources: [], invokes: [], password, manifestDigest: (p) => imageDigest([p]) };
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = args.inputs as Record<string, unknown>;
        state.resources.push({ type: args.type, name: args.name, inputs });
        const out: Record<string, unknown> = { ...inputs };
        const values = plain(inputs) as Record<string, unknown>;
        if (args.type === "aws:ecr/repository:Repository") {
          const name = (values.name as string | undefined) ?? `${args.name}-abc1234`;
          Object.assign(out, {
            name,
            repositoryUrl: `${HOST}/${name}`,
            registryId: ACCOUNT,
            arn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${name}`,
          });
        }
        if (args.type === "docker-build:index:Image" && !preview) {
          const digest = imageDigest(values.platforms as string[]);
          Object.assign(out, { digest, ref: `${(values.tags as string[])[0]}@${digest}`, contextHash: "ctx" });
        }
        if (args.type === "docker-build:index:Index" && !preview) {
          Object.assign(out, { ref: `${values.tag}@${fakeDigest(`index:${JSON.stringify(values.sources)}`)}` });
        }
        if (args.type === "pulumi-nodejs:dynamic/pulumi-ecr-image:ImageIndex") {
          delete out.credentials;
          if (preview && typeof values.digest !== "string") {
            // an unknown digest: the real provider is not called, the outputs stay unknown
            for (const k of ["mediaType", "platformDigests", "platformRefs", "attestationDigests"]) delete out[k];
          } else {
            const platforms = values.expectedPlatforms as string[];
            const digestOf = state.manifestDigest;
            Object.assign(out, {
              mediaType: "application/vnd.oci.image.index.v1+json",
              platformDigests: Object.fromEntries(platforms.map((p) => [p, digestOf(p)])),
              platformRefs: Object.fromEntries(platforms.map((p) => [p, `${values.repositoryUrl}@${digestOf(p)}`])),
              attestationDigests: Object.fromEntries(platforms.map((p) => [p, fakeDigest(`attestation:${p}`)])),
            });
          }
        }
        // Every resource already exists (a preview of a change to a deployed stack); only what a build or a read
        // produces is unknown in preview.
        return { id: `${args.name}-id`, state: out };
      },
      call(args) {
        state.invokes.push({ token: args.token, inputs: args.inputs });
        if (args.token === "aws:ecr/getAuthorizationToken:getAuthorizationToken") {
          const registry = (args.inputs.registryId as string | undefined) ?? ACCOUNT;
          return {
            id: REGION,
            userName: "AWS",
            password: state.password,
            authorizationToken: Buffer.from(`AWS:${state.password}`).toString("base64"),
            proxyEndpoint: `https://${registry}.dkr.ecr.${REGION}.amazonaws.com`,
            expiresAt: "2026-12-04T01:00:00Z",
            region: REGION,
            registryId: registry,
          };
        }
        throw new Error(`unexpected invoke ${args.token}`);
      },
    },
    "project",
    "stack",
    preview,
  );
  return state;
}

export interface Resolved<T> {
  value: T | undefined;
  known: boolean;
  secret: boolean;
}

/** What an Output holds, whether it is known, and whether it is secret. */
export async function resolve<T>(o: pulumi.Output<T>): Promise<Resolved<T>> {
  const internal = o as unknown as { promise(): Promise<T>; isKnown: Promise<boolean>; isSecret: Promise<boolean> };
  const [value, known, secret] = await Promise.all([internal.promise(), internal.isKnown, internal.isSecret]);
  return { value: known ? value : undefined, known, secret };
}

export async function knownValue<T>(o: pulumi.Output<T>): Promise<T> {
  const r = await resolve(o);
  if (!r.known) throw new Error("the output is unknown");
  return r.value as T;
}

/** The one recorded resource of a type (and name, when given); fails when there is not exactly one. */
export function only(state: MockState, type: string, name?: string): Recorded {
  const found = state.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
  if (found.length !== 1) {
    throw new Error(
      `expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${state.resources.map((r) => `${r.type}/${r.name}`).join(", ")}`,
    );
  }
  return found[0];
}

export const TYPES = {
  repository: "aws:ecr/repository:Repository",
  lifecyclePolicy: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  image: "docker-build:index:Image",
  index: "docker-build:index:Index",
  imageIndex: "pulumi-nodejs:dynamic/pulumi-ecr-image:ImageIndex",
  component: "pulumi-ecr-image:index:MultiPlatformImage",
} as const;
