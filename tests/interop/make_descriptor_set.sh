#!/usr/bin/env bash
# Builds the FileDescriptorSet that conformance_client.py and check_service.py load at runtime
# (no generated Python code: Debian's python3-protobuf 3.21 rejects gencode from newer protoc releases).
#
# Usage: make_descriptor_set.sh OUTPUT_PATH
# Contains conformance.proto, health.proto, reflection_v1alpha.proto and reflection_v1.proto, and the contracts'
# permissions.proto and image_nft.proto (with imports: google/api/annotations.proto from Google.Api.CommonProtos).
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 OUTPUT_PATH" >&2
    exit 2
fi
out="$1"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tools="${NUGET_PACKAGES:-$HOME/.nuget/packages}/grpc.tools/2.85.0"
protoc="$tools/tools/linux_x64/protoc"
well_known_include="$tools/build/native/include"
common_protos="${NUGET_PACKAGES:-$HOME/.nuget/packages}/google.api.commonprotos/2.17.0/content/protos"

if [[ ! -x "$protoc" ]]; then
    echo "protoc not found or not executable at $protoc (restore the Grpc.Tools 2.85.0 NuGet package)" >&2
    exit 1
fi

mkdir -p "$(dirname "$out")"
# Each proto directory is its own include root, so the files are named "conformance.proto", "health.proto", ...
"$protoc" \
    --include_imports \
    --descriptor_set_out="$out" \
    -I "$repo_root/tests/HybridEhr.Grpc.Tests/Protos" \
    -I "$repo_root/tests/interop/protos" \
    -I "$repo_root/contracts/Protos" \
    -I "$common_protos" \
    -I "$well_known_include" \
    conformance.proto health.proto reflection_v1alpha.proto reflection_v1.proto permissions.proto image_nft.proto
