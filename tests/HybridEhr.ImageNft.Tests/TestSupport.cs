using System.Collections.Concurrent;
using HybridEhr.Contracts.Events;
using HybridEhr.Contracts.ImageNft.V1;
using Grpc.Core;
using HybridEhr.ImageNft.Access;
using HybridEhr.ImageNft.Content;
using HybridEhr.ImageNft.Ledger;
using HybridEhr.ImageNft.Storage;
using HybridEhr.Security;

namespace HybridEhr.ImageNft.Tests;

internal static class Callers
{
    public static readonly string Alice = "0x" + new string('a', 64);
    public static readonly string Bob = "0x" + new string('b', 64);
    public static readonly string DrSmith = "0x" + new string('d', 64);
    public static readonly string DrRogue = "0x" + new string('e', 64);

    public static Caller Patient(string account) => Make(account, Roles.Patient, null);

    public static Caller Doctor(string account) => Make(account, Roles.Doctor, "HospitalAMSP");

    public static Caller Service() => Make("service:records", Roles.Service, null);

    private static Caller Make(string subject, string role, string? organisation) =>
        new(new AccessTokenClaims(subject, role, organisation, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1), Guid.NewGuid().ToString("N")), "token");
}

internal static class Images
{
    public static byte[] Png(int length)
    {
        var bytes = ContentIdTests.Pattern(length);
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(bytes, 0);
        return bytes;
    }

    /// <summary>A PNG whose bytes differ from other seeds' (so two of them hash differently).</summary>
    public static byte[] Png(int length, int seed)
    {
        var bytes = Png(length);
        bytes[^1] ^= (byte)(seed + 1);
        bytes[length / 2] ^= (byte)seed;
        return bytes;
    }

    public static byte[] Jpeg(int length)
    {
        var bytes = ContentIdTests.Pattern(length);
        new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }.CopyTo(bytes, 0);
        return bytes;
    }

    public static byte[] Dicom(int length)
    {
        var bytes = new byte[length];
        "DICM"u8.CopyTo(bytes.AsSpan(128));
        return bytes;
    }

    public static async IAsyncEnumerable<UploadImageRequest> Upload(ImageUploadMetadata metadata, byte[] content, int chunkSize = 100_000)
    {
        yield return new UploadImageRequest { Metadata = metadata };
        for (var offset = 0; offset < content.Length; offset += chunkSize)
        {
            await Task.Yield();
            yield return new UploadImageRequest { Chunk = Google.Protobuf.ByteString.CopyFrom(content, offset, Math.Min(chunkSize, content.Length - offset)) };
        }
    }

    public static ImageUploadMetadata Metadata(long size, string contentType = ImageSignatures.Png, string? patient = null) => new()
    {
        PatientAccountId = patient ?? Callers.Alice,
        RecordId = "ehr-1",
        ContentType = contentType,
        FileName = "chest.png",
        DeclaredSizeBytes = size,
    };
}

/// <summary>Grants held in memory: (patient, doctor) → grant id.</summary>
internal sealed class FakeGrants : IGrantChecker
{
    private readonly ConcurrentDictionary<(string Patient, string Doctor), string> _grants = new();

    public int Checks;

    public FakeGrants Grant(string patient, string doctor, string grantId = "grant-1")
    {
        _grants[(patient, doctor)] = grantId;
        return this;
    }

    public void Revoke(string patient, string doctor) => _grants.TryRemove((patient, doctor), out _);

    public Task<LiveGrant?> FindLiveGrantAsync(string patientAccountId, string doctorAccountId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Checks);
        return Task.FromResult(_grants.TryGetValue((patientAccountId, doctorAccountId), out var id) ? new LiveGrant(id) : null);
    }
}

/// <summary>The records contract's image rules, in memory (what a ledger would answer).</summary>
internal sealed class FakeLedger : IImageLedger
{
    private long _clock = 1_767_225_600_000;
    private int _tx;

    public Dictionary<string, string> Records { get; } = new(StringComparer.Ordinal) { ["ehr-1"] = Callers.Alice, ["ehr-bob"] = Callers.Bob };

    public Dictionary<string, ChainToken> Tokens { get; } = new(StringComparer.Ordinal);

    public HashSet<string> EnrolledDoctors { get; } = [Callers.DrSmith];

    public List<(MintArguments Arguments, string? Organisation)> Mints { get; } = [];

    /// <summary>The doctor the mint is signed by (what the forwarded token would make the gateway sign as).</summary>
    public string Signer { get; set; } = Callers.DrSmith;

    /// <summary>The next mint fails with this status; after committing it when <see cref="CommitBeforeFailing"/>.
    /// <see cref="NeverSent"/> makes it the failure of a connection that was refused.</summary>
    public StatusCode? FailNextMint { get; set; }

    public bool CommitBeforeFailing { get; set; }

    public bool NeverSent { get; set; }

    public Task<MintReceipt> MintAsync(MintArguments mint, string? organisationMspId, CancellationToken cancellationToken)
    {
        lock (Tokens)
        {
            return Task.FromResult(Mint(mint, organisationMspId));
        }
    }

    private MintReceipt Mint(MintArguments mint, string? organisationMspId)
    {
        if (FailNextMint is { } failure)
        {
            FailNextMint = null;
            if (NeverSent)
            {
                throw new RpcException(new Status(failure, "Error connecting: Connection refused",
                    new System.Net.Http.HttpRequestException("Connection refused", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused))));
            }

            if (CommitBeforeFailing)
            {
                Mint(mint, organisationMspId);
            }

            throw new RpcException(new Status(failure, "The response ended prematurely."));
        }

        Mints.Add((mint, organisationMspId));
        if (!EnrolledDoctors.Contains(Signer))
        {
            throw Refusal("NOT_ENROLLED_DOCTOR: caller is not an enrolled doctor");
        }

        if (Tokens.ContainsKey(mint.TokenId))
        {
            throw Refusal($"TOKEN_EXISTS: token {mint.TokenId} already exists");
        }

        var token = new ChainToken(mint.TokenId, mint.Patient, mint.RecordId, mint.TokenUri, mint.ContentHash, Signer, "HospitalAMSP", _clock += 1000);
        Tokens[mint.TokenId] = token;
        return new MintReceipt(token, $"{++_tx:x64}", (ulong)_tx);
    }

    public Task<ChainToken?> GetTokenAsync(string tokenId, CancellationToken cancellationToken)
    {
        lock (Tokens)
        {
            return Task.FromResult(Tokens.GetValueOrDefault(tokenId));
        }
    }

    public Task<string?> GetRecordPatientAsync(string recordId, CancellationToken cancellationToken) =>
        Task.FromResult(Records.GetValueOrDefault(recordId));

    public Task<IReadOnlyList<string>> TokensOfAsync(string ownerAccountId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([.. Tokens.Values.Where(t => t.Owner == ownerAccountId).Select(t => t.TokenId).Order(StringComparer.Ordinal)]);

    // As the gateway adapter does: the contract's message, translated to this service's statuses.
    private static RpcException Refusal(string message) => ContractErrors.Translate(new RpcException(new Status(StatusCode.Unknown, message)), "the mint");
}

internal sealed class RecordingOutbox : IEventOutbox
{
    public List<IIntegrationEvent> Events { get; } = [];

    public Task EnqueueAsync<T>(T integrationEvent, CancellationToken cancellationToken)
        where T : class, IIntegrationEvent
    {
        Events.Add(integrationEvent);
        return Task.CompletedTask;
    }
}

/// <summary>A fresh directory under /tmp, removed afterwards.</summary>
internal sealed class TemporaryDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("imagenft-tests-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>A store whose streams cannot seek, as an IPFS node's HTTP responses would be.</summary>
internal sealed class NonSeekableBlobStore(IImageBlobStore inner) : IImageBlobStore
{
    public int Opens;

    public Task PutAsync(string cid, Stream content, CancellationToken cancellationToken) => inner.PutAsync(cid, content, cancellationToken);

    public async Task<Stream?> OpenReadAsync(string cid, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Opens);
        var stream = await inner.OpenReadAsync(cid, cancellationToken);
        return stream is null ? null : new ForwardOnlyStream(stream);
    }

    public Task<bool> ExistsAsync(string cid, CancellationToken cancellationToken) => inner.ExistsAsync(cid, cancellationToken);

    public Task DeleteAsync(string cid, CancellationToken cancellationToken) => inner.DeleteAsync(cid, cancellationToken);

    private sealed class ForwardOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
