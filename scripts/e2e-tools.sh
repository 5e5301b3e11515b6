#!/usr/bin/env bash
# Builds the real tools the end-to-end lane runs, from the Go module proxy, at pinned versions, into a cache
# folder that is reused when present: the Pulumi CLI, BuildKit (buildkitd, buildctl), buildx and the docker-build
# provider. Each tool is built in a wrapper module of its own (so minimum-version selection never mixes their
# dependencies) and stamped with the version string its release build sets.
#
#   E2E_TOOLS_DIR   where the binaries go (default ~/.cache/pulumi-ecr-image/e2e-tools); bin/ holds them.
#
# Prints the bin folder on its last line. Safe to run again: a tool whose stamp matches is not rebuilt.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
tools=${E2E_TOOLS_DIR:-$HOME/.cache/pulumi-ecr-image/e2e-tools}
bin=$tools/bin
mkdir -p "$bin" "$tools/src"
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false

# The docker-build provider must be the version the npm package names, or the engine would look for another.
docker_build_version=$(node -p "require('$here/node_modules/@pulumi/docker-build/package.json').version")
pulumi_version=v$(node -p "require('$here/node_modules/@pulumi/pulumi/package.json').version")
buildkit_version=v0.31.2
buildx_version=v0.35.0

log() { printf '[e2e-tools] %s\n' "$*" >&2; }

# build NAME MODULE@VERSION PACKAGE LDFLAGS TAGS [extra go.mod lines]
build() {
  local name=$1 modver=$2 pkg=$3 ldflags=$4 tags=$5 extra=${6:-}
  # The extra go.mod lines count (without the checkout's path, so another clone reuses the build).
  local stamp="$modver $pkg $ldflags $tags ${extra//$here/.}"
  if [[ -x $bin/$name && -f $bin/.$name.stamp && $(cat "$bin/.$name.stamp") == "$stamp" ]]; then
    log "$name: up to date ($modver)"
    return
  fi
  local dir=$tools/src/$name
  rm -rf "$dir" && mkdir -p "$dir"
  log "$name: building $pkg from $modver (this takes minutes the first time)"
  (
    cd "$dir"
    go mod init "e2e-tools/$name" >/dev/null 2>&1
    [[ -z $extra ]] || printf '%s\n' "$extra" >>go.mod
    printf 'package tools\n\nimport _ "%s"\n' "$pkg" >tools.go
    go get "$pkg@${modver##*@}" >/dev/null
    go mod tidy >/dev/null
    go build -trimpath -tags "$tags" -ldflags "-s -w $ldflags" -o "$bin/$name" "$pkg"
  )
  echo "$stamp" >"$bin/.$name.stamp"
  log "$name: built"
}

build pulumi "github.com/pulumi/pulumi/pkg/v3@$pulumi_version" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
  "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$pulumi_version" "osusergo grpcnotrace" \
  "require github.com/pulumi/pulumi/sdk/v3 $pulumi_version
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e"

# Two SDK-generation modules it imports are not served here: see scripts/e2e/stubs/README.md.
build pulumi-resource-docker-build "github.com/pulumi/pulumi-docker-build@v$docker_build_version" \
  github.com/pulumi/pulumi-docker-build/provider/cmd/pulumi-resource-docker-build \
  "-X github.com/pulumi/pulumi-docker-build/provider.Version=$docker_build_version" "" \
  "replace github.com/pulumi/pulumi-java => $here/scripts/e2e/stubs/pulumi-java
replace github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3 => $here/scripts/e2e/stubs/pulumi-language-dotnet
// stubs $(cat "$here"/scripts/e2e/stubs/*/go.mod "$here"/scripts/e2e/stubs/*/*/*.go "$here"/scripts/e2e/stubs/*/*/*/*/*.go 2>/dev/null | sha256sum | cut -c1-16)"

buildkit_exclude="exclude (
	github.com/davecgh/go-spew v1.1.2-0.20180830191138-d8f796af33cc
	github.com/pmezard/go-difflib v1.0.1-0.20181226105442-5d4384ee4fb2
)"
for cmd in buildkitd buildctl; do
  build "$cmd" "github.com/moby/buildkit@$buildkit_version" "github.com/moby/buildkit/cmd/$cmd" \
    "-X github.com/moby/buildkit/version.Version=$buildkit_version" "" "$buildkit_exclude"
done

build docker-buildx "github.com/docker/buildx@$buildx_version" github.com/docker/buildx/cmd/buildx \
  "-X github.com/docker/buildx/version.Version=$buildx_version" ""

# The upstream Node.js language host is not served by the module proxy here: build ours (scripts/e2e/langhost).
langhost_stamp="local $(cat "$here"/scripts/e2e/langhost/main.go "$here"/scripts/e2e/langhost/go.sum | sha256sum | cut -c1-16)"
if [[ -x $bin/pulumi-language-nodejs && $(cat "$bin/.pulumi-language-nodejs.stamp" 2>/dev/null) == "$langhost_stamp" ]]; then
  log "pulumi-language-nodejs: up to date"
else
  log "pulumi-language-nodejs: building scripts/e2e/langhost"
  (cd "$here/scripts/e2e/langhost" && go build -trimpath -ldflags "-s -w -X main.version=${pulumi_version#v}" -o "$bin/pulumi-language-nodejs" .)
  echo "$langhost_stamp" >"$bin/.pulumi-language-nodejs.stamp"
fi

# Dynamic providers run in Node's dynamic-provider host, which the engine starts as this plugin.
cat >"$bin/pulumi-resource-pulumi-nodejs" <<'SH'
#!/bin/sh
exec node "$(node -p "require.resolve('@pulumi/pulumi/cmd/dynamic-provider')")" "$@"
SH
chmod +x "$bin/pulumi-resource-pulumi-nodejs"

echo "$bin"
