using HybridEhr.Contracts.Records.V1;
using HybridEhr.Records.Chain;
using HybridEhr.Records.Crypto;
using HybridEhr.Records.Storage;

namespace HybridEhr.Records.Application;

/// <summary>What checking one version against its anchor found. <see cref="Plaintext"/> is set only when verified.</summary>
public sealed record IntegrityOutcome(
    IntegrityVerdict Verdict,
    StoredVersion? Stored,
    ChainRecord? Anchor,
    string? AnchorTxId,
    string ComputedContentHash,
    string ComputedCiphertextHash,
    byte[]? Plaintext)
{
    public bool Verified => Verdict == IntegrityVerdict.Verified;

    /// <summary>The refusal a read gives for this outcome (DATA_LOSS, or FAILED_PRECONDITION once erased).</summary>
    public RpcException ToReadError(string recordId, long version) => Verdict switch
    {
        IntegrityVerdict.Erased => new RpcException(new Status(StatusCode.FailedPrecondition,
            $"Record {recordId} was erased (its data key destroyed); only its history remains.")),
        IntegrityVerdict.CiphertextMismatch => DataLoss(recordId, version, "the stored ciphertext's hash differs from the anchored one (the store was altered)"),
        IntegrityVerdict.DecryptionFailed => DataLoss(recordId, version, "the stored ciphertext fails authenticated decryption"),
        IntegrityVerdict.ContentMismatch => DataLoss(recordId, version, "the decrypted content's hash differs from the anchored one"),
        IntegrityVerdict.AnchorMissing => DataLoss(recordId, version, "the chain holds no anchor for this version"),
        IntegrityVerdict.DataMissing => DataLoss(recordId, version, "the chain anchors this version but the store has lost it"),
        _ => new RpcException(new Status(StatusCode.Internal, "Unexpected integrity verdict.")),
    };

    private static RpcException DataLoss(string recordId, long version, string why) => new(new Status(StatusCode.DataLoss,
        $"The stored record does not match its chain anchor: version {version} of record {recordId} is refused because {why}. " +
        "It may have been tampered with or corrupted; the record's history on the chain shows what was anchored."));

    /// <summary>Recomputes both hashes of <paramref name="stored"/> and compares them with <paramref name="anchoredContentHash"/> and <paramref name="anchoredCiphertextHash"/>.</summary>
    public static IntegrityOutcome Evaluate(
        RecordCipher cipher, StoredRecord header, long version, StoredVersion? stored, ChainRecord? anchor, string? anchorTxId,
        string? anchoredContentHash, string? anchoredCiphertextHash)
    {
        if (stored is null)
        {
            return new IntegrityOutcome(anchoredContentHash is null ? IntegrityVerdict.Unspecified : IntegrityVerdict.DataMissing, null, anchor, anchorTxId, "", "", null);
        }

        if (anchoredContentHash is null || anchoredCiphertextHash is null)
        {
            return new IntegrityOutcome(IntegrityVerdict.AnchorMissing, stored, null, null, "", CipherHash(stored), null);
        }

        if (header.Erased || stored.WrappedKey is null)
        {
            return new IntegrityOutcome(IntegrityVerdict.Erased, stored, anchor, anchorTxId, "", "", null);
        }

        var ciphertextHash = CipherHash(stored);
        if (ciphertextHash != anchoredCiphertextHash || (anchor is not null && anchor.Patient != header.PatientAccountId))
        {
            return new IntegrityOutcome(IntegrityVerdict.CiphertextMismatch, stored, anchor, anchorTxId, "", ciphertextHash, null);
        }

        byte[] plaintext;
        try
        {
            plaintext = cipher.Decrypt(header.RecordId, version, new EncryptedVersion(stored.Envelope, stored.WrappedKey));
        }
        catch (DecryptionFailedException)
        {
            return new IntegrityOutcome(IntegrityVerdict.DecryptionFailed, stored, anchor, anchorTxId, "", ciphertextHash, null);
        }

        var contentHash = RecordCipher.Sha256Hex(plaintext);
        return contentHash == anchoredContentHash
            ? new IntegrityOutcome(IntegrityVerdict.Verified, stored, anchor, anchorTxId, contentHash, ciphertextHash, plaintext)
            : new IntegrityOutcome(IntegrityVerdict.ContentMismatch, stored, anchor, anchorTxId, contentHash, ciphertextHash, null);
    }

    private static string CipherHash(StoredVersion stored) => RecordCipher.Sha256Hex(stored.Envelope);
}
