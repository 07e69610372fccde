namespace HybridEhr.Clients.Ipfs;

public sealed record IpfsVersion(string Version, string? Commit, string? Repo, string? System);

public sealed record IpfsIdentity(string Id, string? PublicKey, IReadOnlyList<string> Addresses, string? AgentVersion);

/// <summary>Options of <c>add</c>. CIDs are always v1 in base32, so they are stable across Kubo and js-ipfs.</summary>
public sealed record IpfsAddOptions
{
    public bool Pin { get; init; } = true;

    /// <summary>Leaves as raw blocks (Kubo's default for CID v1).</summary>
    public bool RawLeaves { get; init; } = true;

    /// <summary>Compute the CID without storing anything.</summary>
    public bool OnlyHash { get; init; }
}

/// <summary>The root of what was added. <see cref="Size"/> is the node's figure (DAG size, not file length).</summary>
public sealed record IpfsAddResult(string Cid, string Name, long Size);

public enum PinType
{
    All,
    Direct,
    Indirect,
    Recursive,
}

public sealed record PinnedContent(string Cid, string Type);

public sealed record IpfsBlockStat(string Cid, long Size);
