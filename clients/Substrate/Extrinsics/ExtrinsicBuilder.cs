using HybridEhr.Clients.Substrate.Hashing;
using HybridEhr.Clients.Substrate.Keys;
using HybridEhr.Clients.Substrate.Metadata;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Clients.Substrate.Extrinsics;

/// <summary>Builds calls from metadata and signs them into version-4 extrinsics with an Ed25519 MultiSignature.</summary>
public sealed class ExtrinsicBuilder(RuntimeMetadata metadata)
{
    private const byte SignedVersion4 = 0x84;

    private readonly TypedCodec codec = new(metadata.Types);
    private readonly SignedExtensionEncoder extensions = new(metadata);

    public RuntimeMetadata Metadata => metadata;

    /// <summary>pallet index ++ call index ++ the arguments, encoded by the call's declared field types.</summary>
    public byte[] EncodeCall(string palletName, string callName, params (string Name, ScaleValue Value)[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var (palletIndex, callIndex, call) = metadata.FindCall(palletName, callName);
        var writer = new ScaleWriter().U8(palletIndex).U8(callIndex);
        foreach (var field in call.Fields)
        {
            var argument = arguments.FirstOrDefault(a => a.Name == field.Name);
            if (argument.Value is null)
            {
                throw new ArgumentException($"{palletName}.{callName} needs argument '{field.Name}'");
            }

            codec.Encode(writer, field.Type, argument.Value);
        }

        if (arguments.Length != call.Fields.Count)
        {
            throw new ArgumentException($"{palletName}.{callName} takes {call.Fields.Count} arguments, {arguments.Length} given");
        }

        return writer.ToArray();
    }

    /// <summary>The account as the runtime's address type wants it (MultiAddress::Id, or a bare AccountId32).</summary>
    public ScaleValue AddressOf(byte[] accountId) =>
        metadata.Extrinsic.AddressType is { } addressType && metadata.Types[addressType].Definition is VariantType
            ? ScaleValue.Variant("Id", ScaleValue.Of(accountId))
            : ScaleValue.Of(accountId);

    /// <summary>The signing payload in full: call ++ extra ++ additional (what a signer is handed, so that it can check it).</summary>
    public byte[] FullSigningPayload(byte[] call, SigningParameters parameters)
    {
        var (extra, additional) = extensions.Encode(parameters);
        return [.. call, .. extra, .. additional];
    }

    /// <summary>The bytes the signature covers: the full payload, hashed with blake2b-256 when longer than 256 bytes.</summary>
    public byte[] SigningPayload(byte[] call, SigningParameters parameters) =>
        ExtrinsicPayload.BytesToSign(FullSigningPayload(call, parameters));

    /// <summary>A signed extrinsic, length-prefixed, ready for author_submitExtrinsic.</summary>
    public byte[] BuildSigned(byte[] call, Ed25519KeyPair signer, SigningParameters parameters) =>
        BuildSignedAsync(call, signer, parameters, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public async ValueTask<byte[]> BuildSignedAsync(byte[] call, IExtrinsicSigner signer, SigningParameters parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(signer);
        if (metadata.Extrinsic.Version != 4)
        {
            throw new NotSupportedException($"the runtime uses extrinsic version {metadata.Extrinsic.Version}; only 4 is supported");
        }

        var signature = await signer.SignAsync(FullSigningPayload(call, parameters), cancellationToken).ConfigureAwait(false);
        if (signature.Length != 64)
        {
            throw new InvalidOperationException($"an Ed25519 signature has 64 bytes, the signer returned {signature.Length}");
        }

        var (extra, _) = extensions.Encode(parameters);
        var body = new ScaleWriter().U8(SignedVersion4);
        EncodeWith(body, metadata.Extrinsic.AddressType, AddressOf(signer.PublicKey));
        EncodeWith(body, metadata.Extrinsic.SignatureType, ScaleValue.Variant("Ed25519", ScaleValue.Of(signature)));
        body.Raw(extra).Raw(call);
        return new ScaleWriter().Bytes(body.ToArray()).ToArray();
    }

    private void EncodeWith(ScaleWriter writer, uint? typeId, ScaleValue value)
    {
        if (typeId is not { } id)
        {
            throw new NotSupportedException("the metadata does not declare the extrinsic's address and signature types");
        }

        codec.Encode(writer, id, value);
    }
}
