using System.Text.Json.Nodes;
using HybridEhr.Clients.Substrate;
using HybridEhr.Clients.Substrate.Hashing;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Testing.Substrate;

/// <summary>One sealed (and, with instant finality, finalized) block with the state it leaves behind.</summary>
internal sealed record SimulatedBlock(
    long Number,
    byte[] ParentHash,
    byte[] StateRoot,
    byte[] ExtrinsicsRoot,
    long Timestamp,
    IReadOnlyList<byte[]> Extrinsics,
    byte[] Events,
    ContractStorage State)
{
    /// <summary>blake2b-256 of the SCALE header (parent, compact number, roots, empty digest), as Substrate hashes headers.</summary>
    public byte[] Hash { get; } = SubstrateHashers.Blake2b256(new ScaleWriter()
        .Raw(ParentHash).Compact((ulong)Number).Raw(StateRoot).Raw(ExtrinsicsRoot).Compact(0UL).ToArray());

    public string HashHex => Hex.Encode(Hash);

    public JsonObject HeaderJson() => new()
    {
        ["parentHash"] = Hex.Encode(ParentHash),
        ["number"] = $"0x{Number:x}",
        ["stateRoot"] = Hex.Encode(StateRoot),
        ["extrinsicsRoot"] = Hex.Encode(ExtrinsicsRoot),
        ["digest"] = new JsonObject { ["logs"] = new JsonArray() },
    };

    public JsonObject BlockJson() => new()
    {
        ["block"] = new JsonObject
        {
            ["header"] = HeaderJson(),
            ["extrinsics"] = new JsonArray([.. Extrinsics.Select(e => (JsonNode)JsonValue.Create(Hex.Encode(e)))]),
        },
        ["justifications"] = null,
    };
}
