namespace HybridEhr.ImageNft.Content;

/// <summary>
/// Computes, while the bytes stream past, the CID that <c>ipfs add --cid-version=1</c> gives them (UnixFS, raw
/// leaves, fixed-size chunker, balanced layout), so the token URI names exactly what an IPFS node would serve. Only
/// the leaves' CIDs are kept (36 bytes per 256 KiB), so memory stays small whatever the size.
/// </summary>
/// <remarks>
/// Chunks of <see cref="ChunkSize"/> bytes become raw blocks. One chunk: the CID is that block's. More: groups of at
/// most <see cref="MaxLinksPerNode"/> become dag-pb UnixFS file nodes, level by level, until one root remains.
/// </remarks>
public sealed class UnixFsCidBuilder
{
    public const int ChunkSize = 262_144;
    public const int MaxLinksPerNode = 174;

    // dag-pb PBNode: Data = 1, Links = 2; PBLink: Hash = 1, Name = 2, Tsize = 3 (dag-pb spec).
    private const int PbNodeData = 1;
    private const int PbNodeLinks = 2;
    private const int PbLinkHash = 1;
    private const int PbLinkName = 2;
    private const int PbLinkTsize = 3;

    // UnixFS Data: Type = 1 (File = 2), filesize = 3, blocksizes = 4 (unixfs.proto, proto2: repeated fields unpacked).
    private const int UnixFsType = 1;
    private const int UnixFsFileSize = 3;
    private const int UnixFsBlockSizes = 4;
    private const ulong UnixFsTypeFile = 2;

    private readonly byte[] _chunk = new byte[ChunkSize];
    private readonly List<DagEntry> _leaves = [];
    private int _chunkFilled;
    private bool _completed;

    /// <summary>Number of bytes appended so far.</summary>
    public long Length { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        Length += data.Length;
        while (!data.IsEmpty)
        {
            var take = Math.Min(data.Length, ChunkSize - _chunkFilled);
            data[..take].CopyTo(_chunk.AsSpan(_chunkFilled));
            _chunkFilled += take;
            data = data[take..];
            if (_chunkFilled == ChunkSize)
            {
                FlushChunk();
            }
        }
    }

    /// <summary>The CID of everything appended; the builder cannot be used afterwards.</summary>
    public ContentCid Complete()
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        _completed = true;
        if (_chunkFilled > 0 || _leaves.Count == 0)
        {
            FlushChunk();
        }

        if (_leaves.Count == 1)
        {
            return new ContentCid(_leaves[0].Cid, _leaves[0].CumulativeSize);
        }

        IReadOnlyList<DagEntry> level = _leaves;
        while (level.Count > 1)
        {
            level = [.. level.Chunk(MaxLinksPerNode).Select(FileNode)];
        }

        return new ContentCid(level[0].Cid, level[0].CumulativeSize);
    }

    /// <summary>The CID of a whole buffer.</summary>
    public static ContentCid Compute(ReadOnlySpan<byte> content)
    {
        var builder = new UnixFsCidBuilder();
        builder.Append(content);
        return builder.Complete();
    }

    /// <summary>The CID of a stream's remaining bytes.</summary>
    public static async Task<ContentCid> ComputeAsync(Stream content, CancellationToken cancellationToken)
    {
        var builder = new UnixFsCidBuilder();
        var buffer = new byte[81_920];
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            builder.Append(buffer.AsSpan(0, read));
        }

        return builder.Complete();
    }

    private void FlushChunk()
    {
        var block = _chunk.AsSpan(0, _chunkFilled);
        _leaves.Add(new DagEntry(ContentId.ForBlock(ContentId.RawCodec, block), _chunkFilled, _chunkFilled));
        _chunkFilled = 0;
    }

    private static DagEntry FileNode(DagEntry[] children)
    {
        var unixFs = new ProtobufWriter();
        unixFs.WriteVarintField(UnixFsType, UnixFsTypeFile);
        unixFs.WriteVarintField(UnixFsFileSize, (ulong)children.Sum(c => c.FileSize));
        foreach (var child in children)
        {
            unixFs.WriteVarintField(UnixFsBlockSizes, (ulong)child.FileSize);
        }

        // dag-pb's canonical form puts the links before the data, whatever the field numbers say.
        var node = new ProtobufWriter();
        foreach (var child in children)
        {
            var link = new ProtobufWriter();
            link.WriteBytesField(PbLinkHash, child.Cid.Bytes);
            link.WriteBytesField(PbLinkName, []);
            link.WriteVarintField(PbLinkTsize, (ulong)child.CumulativeSize);
            node.WriteBytesField(PbNodeLinks, link.ToArray());
        }

        node.WriteBytesField(PbNodeData, unixFs.ToArray());
        var encoded = node.ToArray();
        return new DagEntry(
            ContentId.ForBlock(ContentId.DagPbCodec, encoded),
            children.Sum(c => c.FileSize),
            encoded.Length + children.Sum(c => c.CumulativeSize));
    }

    private sealed record DagEntry(ContentId Cid, long FileSize, long CumulativeSize);
}

/// <summary>A computed CID and the DAG's cumulative size (the "Tsize" IPFS reports: content plus node overhead).</summary>
public sealed record ContentCid(ContentId Cid, long CumulativeSize)
{
    public override string ToString() => Cid.ToString();
}
