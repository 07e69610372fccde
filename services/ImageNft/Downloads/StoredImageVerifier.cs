using System.Security.Cryptography;
using Grpc.Core;
using HybridEhr.ImageNft.Content;
using HybridEhr.ImageNft.Crypto;

namespace HybridEhr.ImageNft.Downloads;

/// <summary>What the token promises about an image: the CID of its stored form and the SHA-256 of its plaintext.</summary>
public sealed record ImageExpectation(string TokenId, string Cid, string ContentHash);

/// <summary>
/// Checks a stored image end to end before any byte is released: the stored bytes re-hash to the token's CID (else
/// they were tampered with or replaced), every segment decrypts under the image's key, and the plaintext hashes to the
/// token's content hash. One pass; each failure is DATA_LOSS with what failed.
/// </summary>
public static class StoredImageVerifier
{
    /// <summary>Returns the plaintext length once everything matches.</summary>
    public static async Task<long> VerifyAsync(Stream stored, byte[] dataKey, ImageExpectation expected, CancellationToken cancellationToken)
    {
        var cidBuilder = new UnixFsCidBuilder();
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var plaintext = new byte[ImageCipher.SegmentSize];
        long length = 0;
        bool decrypted;
        using (var decryptor = new ImageDecryptor(stored, dataKey, ImageCipher.AssociatedDataFor(expected.TokenId), bytes => cidBuilder.Append(bytes)))
        {
            try
            {
                int read;
                while ((read = await decryptor.ReadSegmentAsync(plaintext, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    sha256.AppendData(plaintext.AsSpan(0, read));
                    length += read;
                }

                decrypted = true;
            }
            catch (CryptographicException)
            {
                // Read the rest so the CID tells whether the stored bytes changed or merely do not fit the key.
                decrypted = false;
                await DrainAsync(stored, cidBuilder, cancellationToken).ConfigureAwait(false);
            }
        }

        var actualCid = cidBuilder.Complete().ToString();
        if (actualCid != expected.Cid)
        {
            throw new RpcException(new Status(StatusCode.DataLoss,
                $"The stored image does not match the CID its token names ({expected.Cid}): it was tampered with or replaced. Nothing was sent."));
        }

        if (!decrypted)
        {
            throw new RpcException(new Status(StatusCode.DataLoss,
                "The stored image matches its CID but cannot be decrypted with its key (the key or its record was altered). Nothing was sent."));
        }

        var actualHash = Convert.ToHexStringLower(sha256.GetHashAndReset());
        if (actualHash != expected.ContentHash)
        {
            throw new RpcException(new Status(StatusCode.DataLoss,
                $"The decrypted image hashes to {actualHash}, not to the content hash its token records ({expected.ContentHash}). Nothing was sent."));
        }

        return length;
    }

    private static async Task DrainAsync(Stream stored, UnixFsCidBuilder cidBuilder, CancellationToken cancellationToken)
    {
        var buffer = new byte[81_920];
        int read;
        while ((read = await stored.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            cidBuilder.Append(buffer.AsSpan(0, read));
        }
    }
}
