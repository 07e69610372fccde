using HybridEhr.Clients.Substrate.Contracts;
using HybridEhr.Clients.Substrate.Extrinsics;
using HybridEhr.Clients.Substrate.Keys;
using HybridEhr.Clients.Substrate.Scale;
using HybridEhr.Contracts.Identity.V1;
using HybridEhr.Devnet.Ledger;
using Grpc.Core;
using HybridEhr.Identity.Crypto;
using HybridEhr.Identity.Keys;
using HybridEhr.Identity.Signing;
using HybridEhr.Testing.Substrate;

namespace HybridEhr.Identity.Tests;

/// <summary>
/// SignTransaction with Substrate extrinsic payloads, against the simulated contracts node: only calls of this
/// system's contract, for this chain and runtime, mortal and within the tip, are signed; the signature is the one the
/// node verifies.
/// </summary>
public sealed class SubstrateSigningTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private ContractsNodeSimulator _node = null!;
    private ContractConnection _connection = null!;
    private ContractJsonClient _contract = null!;
    private TransactionSigningService _signing = null!;
    private DevnetKey _caller = null!;

    public async Task InitializeAsync()
    {
        _node = await ContractsNodeSimulator.StartAsync();
        _connection = new ContractConnection(new ContractConnectionOptions
        {
            NodeEndpoint = _node.Endpoint,
            ContractAddress = _node.ContractAddress,
            MetadataPath = _node.MetadataPath,
        });
        _contract = await _connection.GetAsync(default);
        var keys = new ChainKeyStore(_directory.Path, new KeyEncryptionKey(IdentityWorld.MasterKey));
        _signing = new TransactionSigningService(keys, new HashSet<string>(), new SubstratePayloadPolicy(_connection));
        _caller = keys.Create();
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _node.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task A_contract_write_of_this_system_is_signed_and_the_signature_is_the_one_the_node_checks()
    {
        var payload = Payload(ContractCall("grant_permission"));

        var signature = await Sign(payload);

        Assert.Equal(_caller.AccountId, signature.AccountId);
        Assert.True(Ed25519KeyPair.Verify(_caller.PublicKey, ExtrinsicPayload.BytesToSign(payload), signature.Signature));
    }

    [Fact]
    public async Task A_long_payload_is_signed_over_its_hash()
    {
        var payload = Payload(ContractCall("grant_permission"), extraInput: 300);
        Assert.True(payload.Length > ExtrinsicPayload.MaxUnhashedLength);

        var signature = await Sign(payload);

        Assert.True(Ed25519KeyPair.Verify(_caller.PublicKey, Clients.Substrate.Hashing.SubstrateHashers.Blake2b256(payload), signature.Signature));
    }

    [Fact]
    public async Task Anything_but_a_state_changing_call_of_the_configured_contract_is_refused()
    {
        var chain = _contract.Contract.Chain;
        var transfer = chain.Extrinsics.EncodeCall("Balances", "transfer_keep_alive",
            ("dest", chain.Extrinsics.AddressOf(new byte[32])), ("value", ScaleValue.Of(1_000UL)));
        var otherContract = ContractsCall.Encode(chain.Extrinsics, Enumerable.Repeat((byte)7, 32).ToArray(),
            _contract.Contract.Abi.EncodeMessage("grant_permission", GrantArguments()), new Weight(1, 1), 1);

        await Refused(Payload(transfer), "Balances.transfer_keep_alive");
        await Refused(Payload(otherContract), "another contract");
        await Refused(Payload(ContractCall("has_permission")), "no state-changing message");
    }

    [Fact]
    public async Task Another_chain_runtime_immortal_era_or_a_larger_tip_is_refused()
    {
        var call = ContractCall("grant_permission");
        await Refused(Payload(call, p => p with { GenesisHash = new byte[32] }), "another chain");
        await Refused(Payload(call, p => p with { SpecVersion = p.SpecVersion + 1 }), "runtime version");
        await Refused(Payload(call, p => p with { Era = Era.Immortal }), "immortal");
        await Refused(Payload(call, p => p with { Tip = 1 }), "tip");
    }

    [Fact]
    public async Task Bytes_that_are_not_exactly_a_payload_are_refused()
    {
        byte[] trailing = [.. Payload(ContractCall("grant_permission")), 0];
        await Refused(trailing, "not an extrinsic payload");
        await Refused([0xff, 0xff, 0xff], "not an extrinsic payload");
        await Refused([], "empty");
    }

    [Fact]
    public async Task Without_a_substrate_chain_the_format_is_a_failed_precondition()
    {
        var keys = new ChainKeyStore(_directory.Path, new KeyEncryptionKey(IdentityWorld.MasterKey));
        var devnetOnly = new TransactionSigningService(keys, new HashSet<string>());

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            devnetOnly.SignAsync(_caller.AccountId, Payload(ContractCall("grant_permission")), PayloadFormat.SubstrateExtrinsic, default));
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
    }

    private Task<TransactionSignature> Sign(byte[] payload) =>
        _signing.SignAsync(_caller.AccountId, payload, PayloadFormat.SubstrateExtrinsic, default);

    private async Task Refused(byte[] payload, string because)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Sign(payload));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(because, error.Status.Detail, StringComparison.OrdinalIgnoreCase);
    }

    private (string Label, ScaleValue Value)[] GrantArguments() =>
        [("grantee", ScaleValue.Of(new byte[32])), ("expires_at", ScaleValue.None)];

    private byte[] ContractCall(string message)
    {
        var abi = _contract.Contract.Abi;
        var arguments = abi.Metadata.Message(message).Arguments
            .Select(a => (a.Label, a.Label is "expires_at" ? ScaleValue.None : ScaleValue.Of(new byte[32])))
            .ToArray();
        return _contract.Contract.BuildCall(abi.EncodeMessage(message, arguments), new Weight(1_000_000, 1_000), 0);
    }

    private byte[] Payload(byte[] call, Func<SigningParameters, SigningParameters>? change = null, int extraInput = 0)
    {
        var chain = _contract.Contract.Chain;
        if (extraInput > 0)
        {
            // A longer call: same message, with extra bytes the policy need not understand, only carry.
            call = ContractsCall.Encode(chain.Extrinsics, _contract.Contract.Address,
                [.. _contract.Contract.Abi.EncodeMessage("grant_permission", GrantArguments()), .. new byte[extraInput]], new Weight(1, 1), 1);
        }

        var parameters = new SigningParameters
        {
            SpecVersion = chain.Version.SpecVersion,
            TransactionVersion = chain.Version.TransactionVersion,
            GenesisHash = chain.GenesisHash,
            Nonce = 0,
            Era = Era.Mortal(64, 1),
            EraBlockHash = chain.GenesisHash,
        };
        return chain.Extrinsics.FullSigningPayload(call, change?.Invoke(parameters) ?? parameters);
    }
}
