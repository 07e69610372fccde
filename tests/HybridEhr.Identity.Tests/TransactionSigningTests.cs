using System.Text;
using HybridEhr.Clients.Devnet;
using HybridEhr.Devnet.Ledger;
using Grpc.Core;
using HybridEhr.Identity.Crypto;
using HybridEhr.Identity.Events;
using HybridEhr.Identity.Keys;
using HybridEhr.Identity.Signing;

namespace HybridEhr.Identity.Tests;

public sealed class TransactionSigningTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly ChainKeyStore _keys;
    private readonly TransactionSigningService _signing;
    private readonly DevnetKey _caller;

    public TransactionSigningTests()
    {
        _keys = new ChainKeyStore(_directory.Path, new KeyEncryptionKey(IdentityWorld.MasterKey));
        _signing = new TransactionSigningService(_keys, new HashSet<string>([DevAccounts.PermissionChainId, DevAccounts.RecordsChainId]));
        _caller = _keys.Create();
    }

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void A_transaction_payload_of_the_caller_is_signed_with_the_callers_key_and_the_ledger_accepts_it()
    {
        var payload = Payload(_caller.PublicKey);

        var signature = _signing.Sign(_caller.AccountId, payload);

        Assert.Equal(_caller.AccountId, signature.AccountId);
        Assert.Equal(_caller.PublicKey, signature.PublicKey);
        var transaction = new SignedTransaction(DevAccounts.PermissionChainId, "access_control", "grant_permission", Args, _caller.PublicKey, 7, 1_767_225_600_000, signature.Signature);
        Assert.True(transaction.HasValidSignature());
    }

    [Fact]
    public void Records_chain_payloads_are_signed_too()
    {
        var payload = SignedTransaction.EncodePayload(DevAccounts.RecordsChainId, "records", "create_record", "{}", _caller.PublicKey, 1, 1);

        Assert.Equal(64, _signing.Sign(_caller.AccountId, payload).Signature.Length);
    }

    [Fact]
    public void A_payload_naming_another_signer_is_refused()
    {
        var other = DevnetKey.Generate();

        var error = Assert.Throws<RpcException>(() => _signing.Sign(_caller.AccountId, Payload(other.PublicKey)));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("another signer", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_payload_for_an_unknown_chain_is_refused()
    {
        var payload = SignedTransaction.EncodePayload("mainnet-of-something-else", "access_control", "add_user", "{}", _caller.PublicKey, 1, 1);

        var error = Assert.Throws<RpcException>(() => _signing.Sign(_caller.AccountId, payload));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("mainnet-of-something-else", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Arbitrary_bytes_are_refused()
    {
        foreach (var bytes in new[]
        {
            Array.Empty<byte>(),
            Encoding.UTF8.GetBytes("please sign this login challenge"),
            Encoding.UTF8.GetBytes("HEHRTX01"),
            new byte[2 << 20],
        })
        {
            Assert.Equal(StatusCode.InvalidArgument, Assert.Throws<RpcException>(() => _signing.Sign(_caller.AccountId, bytes)).StatusCode);
        }
    }

    [Fact]
    public void A_payload_with_trailing_or_missing_bytes_is_refused()
    {
        var payload = Payload(_caller.PublicKey);

        Assert.Throws<RpcException>(() => _signing.Sign(_caller.AccountId, [.. payload, 0]));
        Assert.Throws<RpcException>(() => _signing.Sign(_caller.AccountId, payload[..^1]));
        // An already signed transaction (payload + signature) is not a payload either.
        Assert.Throws<RpcException>(() => _signing.Sign(_caller.AccountId, [.. payload, .. new byte[64]]));
    }

    [Fact]
    public void An_account_without_a_key_here_is_not_found()
    {
        var stranger = DevnetKey.Generate();

        Assert.Equal(StatusCode.NotFound, Assert.Throws<RpcException>(() => _signing.Sign(stranger.AccountId, Payload(stranger.PublicKey))).StatusCode);
        Assert.Equal(StatusCode.NotFound, Assert.Throws<RpcException>(() => _signing.Sign("service:identity", Payload(_caller.PublicKey))).StatusCode);
    }

    [Fact]
    public void Event_ids_are_stable_per_fact_and_differ_between_facts()
    {
        Assert.Equal(EventIds.For("UserRegistered", "0xabc"), EventIds.For("UserRegistered", "0xabc"));
        Assert.NotEqual(EventIds.For("UserRegistered", "0xabc"), EventIds.For("RoleAssigned", "0xabc"));
        Assert.Equal(5, EventIds.For("UserRegistered", "0xabc").Version);
    }

    private const string Args = "{\"grantee\":\"0x2222222222222222222222222222222222222222222222222222222222222222\"}";

    private static byte[] Payload(byte[] publicKey) =>
        SignedTransaction.EncodePayload(DevAccounts.PermissionChainId, "access_control", "grant_permission", Args, publicKey, 7, 1_767_225_600_000);
}
