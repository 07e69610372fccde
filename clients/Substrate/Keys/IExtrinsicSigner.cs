namespace HybridEhr.Clients.Substrate.Keys;

/// <summary>
/// Whoever signs an extrinsic: an Ed25519 key whose public key is the AccountId32. Asynchronous so that the key can
/// live elsewhere (e.g. the Identity service's keystore signs on behalf of the authenticated user).
/// </summary>
public interface IExtrinsicSigner
{
    byte[] PublicKey { get; }

    /// <summary>
    /// An Ed25519 signature (64 bytes) of the signing payload. <paramref name="payload"/> is the full payload
    /// (call ++ extra ++ additional), never pre-hashed, so a signer that checks what it signs can decode it; the
    /// signature covers <see cref="Extrinsics.ExtrinsicPayload.BytesToSign"/> of it.
    /// </summary>
    ValueTask<byte[]> SignAsync(byte[] payload, CancellationToken cancellationToken);
}
