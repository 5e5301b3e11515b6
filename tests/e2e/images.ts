/**
 * The base images the end-to-end Dockerfile needs, made here and pushed to the local registry (no public image can
 * be pulled in the lane): a Go toolchain image for the build stage (this machine's Go and a static busybox for
 * /bin/sh), and a two-platform static runtime image for the final stage.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  type Descriptor,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER,
  OCI_MANIFEST,
  type Pusher,
  parsePlatform,
  sha256,
} from "../support/registry";

/** Pushes one single-platform image made of uncompressed layer tarballs. */
async function pushLayers(
  pusher: Pusher,
  tag: string | undefined,
  platform: string,
  tars: Buffer[],
  env: string[],
): Promise<Descriptor> {
  const layers = [];
  for (const tar of tars) {
    layers.push({ mediaType: OCI_LAYER, ...(await pusher.blob(gzipSync(tar, { level: 1 }))) });
  }
  const config = await pusher.blob(
    Buffer.from(
      JSON.stringify({
        ...parsePlatform(platform),
        config: { Env: env, WorkingDir: "/" },
        rootfs: { type: "layers", diff_ids: tars.map(sha256) },
      }),
    ),
  );
  return pusher.manifest(tag, OCI_MANIFEST, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, ...config },
    layers,
  });
}

function tarOf(dir: string): Buffer {
  return execFileSync("tar", ["-cf", "-", "--owner=0", "--group=0", "-C", dir, "."], { maxBuffer: 1 << 30 });
}

/** `<registry>/base/golang:e2e`: this machine's Go toolchain (without tests and docs) and busybox as /bin/sh. */
export async function pushGoImage(pusher: Pusher, goroot: string): Promise<Descriptor> {
  const work = mkdtempSync(join(tmpdir(), "e2e-golang-"));
  try {
    mkdirSync(join(work, "bin"));
    mkdirSync(join(work, "tmp"), { mode: 0o1777 });
    writeFileSync(join(work, "bin", "busybox"), readFileSync("/bin/busybox"), { mode: 0o755 });
    symlinkSync("busybox", join(work, "bin", "sh"));
    const shell = tarOf(work);
    const go = execFileSync(
      "tar",
      [
        "-cf",
        "-",
        "--owner=0",
        "--group=0",
        ...["test", "doc", "api", "misc", "src/cmd", "pkg/linux_amd64_race"].map((x) => `--exclude=${x}`),
        "--exclude=*_test.go",
        "--exclude=testdata",
        `--transform=s,^\\.,usr/local/go,`,
        "-C",
        goroot,
        ".",
      ],
      { maxBuffer: 1 << 30 },
    );
    return await pushLayers(
      pusher,
      "e2e",
      "linux/amd64",
      [shell, go],
      [
        "PATH=/usr/local/go/bin:/bin",
        "GOROOT=/usr/local/go",
        "GOCACHE=/tmp/gocache",
        "GOPATH=/tmp/gopath",
        "GOPROXY=off",
        "GOTOOLCHAIN=local",
        "GOFLAGS=-buildvcs=false",
        "HOME=/tmp",
      ],
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `<registry>/base/static:e2e`: a distroless-like runtime for linux/amd64 and linux/arm64 (a passwd file). */
export async function pushStaticImage(pusher: Pusher, platforms: string[]): Promise<Descriptor> {
  const work = mkdtempSync(join(tmpdir(), "e2e-static-"));
  try {
    mkdirSync(join(work, "etc"));
    writeFileSync(
      join(work, "etc", "passwd"),
      "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n",
    );
    const layer = tarOf(work);
    const manifests = [];
    for (const p of platforms)
      manifests.push({ ...(await pushLayers(pusher, undefined, p, [layer], ["PATH=/"])), platform: parsePlatform(p) });
    return pusher.manifest("e2e", OCI_INDEX, { schemaVersion: 2, mediaType: OCI_INDEX, manifests });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The ELF machine of the file `name` in a gzipped layer tarball: 62 is x86-64, 183 is AArch64. */
export function elfMachineIn(layerGz: Buffer, name: string): number | undefined {
  const tar = gunzipSync(layerGz);
  for (let off = 0; off + 512 <= tar.length; ) {
    const header = tar.subarray(off, off + 512);
    const entry = header.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
    if (entry === "") return undefined;
    const size = Number.parseInt(header.subarray(124, 136).toString("utf8").replace(/\0.*$/s, "").trim() || "0", 8);
    const body = tar.subarray(off + 512, off + 512 + size);
    if (entry.replace(/^\.?\//, "") === name && body.subarray(0, 4).toString("latin1") === "\x7fELF") {
      return body.readUInt16LE(18);
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}
