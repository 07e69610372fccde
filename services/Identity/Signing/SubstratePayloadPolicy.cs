using System.Numerics;
using HybridEhr.Clients.Substrate.Contracts;
using HybridEhr.Clients.Substrate.Extrinsics;
using HybridEhr.Clients.Substrate.Scale;
using Grpc.Core;

namespace HybridEhr.Identity.Signing;

/// <summary>
/// What a custodial key may sign on a Substrate permission chain: only a Contracts.call of the configured
/// access_control contract, transferring nothing, running a message that changes state, for this chain (genesis) and
/// runtime (spec and transaction versions), mortal, with no more tip than this system ever pays. The extrinsic's
/// signer is not in the payload; the signature itself binds it to the key, so no other account can be named.
/// </summary>
public sealed class SubstratePayloadPolicy(ContractConnection connection)
{
    /// <summary>Checks a full signing payload; returns the bytes the signature must cover.</summary>
    public async Task<byte[]> CheckAsync(byte[] payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (payload.Length is 0 or > MaxPayloadBytes)
        {
            throw Invalid("The payload is not a Substrate extrinsic payload (empty or too large).");
        }

        ContractJsonClient contract;
        try
        {
            contract = await connection.GetAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "The permission chain's node cannot be reached to check the payload; try again shortly."));
        }

        var chain = contract.Contract.Chain;
        DecodedSigningPayload decoded;
        try
        {
            decoded = new ExtrinsicPayload(chain.Metadata).DecodeSigningPayload(payload);
        }
        catch (Exception ex) when (ex is ScaleException or InvalidCastException or KeyNotFoundException or ArgumentException)
        {
            throw Invalid($"The payload is not an extrinsic payload of this runtime ({ex.Message}).");
        }

        CheckCall(decoded.Call, contract);
        CheckExtensions(decoded, chain.GenesisHash, chain.Version.SpecVersion, chain.Version.TransactionVersion);
        return ExtrinsicPayload.BytesToSign(payload);
    }

    // A Contracts.call with a few hundred bytes of arguments and the extensions: far below this.
    private const int MaxPayloadBytes = 16 * 1024;

    private static void CheckCall(DecodedCall call, ContractJsonClient contract)
    {
        if (call is not { Pallet: "Contracts", Name: "call" })
        {
            throw Invalid($"The payload is a {call.Pallet}.{call.Name}; a custodial key signs only calls of the access-control contract.");
        }

        var dest = call["dest"] is VariantValue { Name: "Id" } id ? id.Fields[0].Value.AsBytes() : call["dest"].AsBytes();
        if (!dest.AsSpan().SequenceEqual(contract.Contract.Address))
        {
            throw Invalid("The payload calls another contract than this system's access-control contract.");
        }

        if (call["value"].AsNumber() != BigInteger.Zero)
        {
            throw Invalid("The payload transfers value to the contract; this system never does.");
        }

        var message = contract.MessageOf(call["data"].AsBytes());
        if (message is null || !contract.Contract.Abi.Metadata.Message(message).Mutates)
        {
            throw Invalid("The payload's call data names no state-changing message of the access-control contract.");
        }
    }

    private void CheckExtensions(DecodedSigningPayload decoded, byte[] genesisHash, uint specVersion, uint transactionVersion)
    {
        if (decoded.Extension("CheckGenesis") is not { } genesis || !genesis.Additional.AsBytes().AsSpan().SequenceEqual(genesisHash))
        {
            throw Invalid("The payload is for another chain (genesis hash) than this system's permission chain.");
        }

        if (decoded.Extension("CheckSpecVersion")?.Additional.AsNumber() != specVersion
            || decoded.Extension("CheckTxVersion")?.Additional.AsNumber() != transactionVersion)
        {
            throw Invalid("The payload is for another runtime version than the permission chain's node runs.");
        }

        var era = decoded.Extension("CheckMortality") ?? decoded.Extension("CheckEra");
        if (era is null || era.Extra.AsBytes() is [0])
        {
            throw Invalid("The payload is immortal; this system signs only transactions that expire.");
        }

        var tip = decoded.Extension("ChargeTransactionPayment")?.Extra.AsNumber()
            ?? decoded.Extension("ChargeAssetTxPayment")?.Extra["tip"].AsNumber()
            ?? BigInteger.Zero;
        if (tip > connection.Options.Tip)
        {
            throw Invalid($"The payload offers a tip of {tip}, more than the configured {connection.Options.Tip}.");
        }
    }

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
