using System.Text;
using System.Text.Json.Nodes;
using HybridEhr.Devnet.Ledger;
using Grpc.Core;
using HybridEhr.Identity.Crypto;
using HybridEhr.Identity.Keys;
using Microsoft.Extensions.Logging.Abstractions;

namespace HybridEhr.Identity.Tests;

public sealed class KeystoreTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly KeyEncryptionKey _kek = new(IdentityWorld.MasterKey);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void A_sealed_value_opens_only_in_its_own_context()
    {
        var box = _kek.Seal("secret seed"u8, "context-a");

        Assert.Equal("secret seed", Encoding.UTF8.GetString(_kek.Open(box, "context-a")));
        Assert.Equal(StatusCode.DataLoss, Assert.Throws<RpcException>(() => _kek.Open(box, "context-b")).StatusCode);
    }

    [Fact]
    public void Altered_ciphertext_tag_or_wrapped_key_is_data_loss()
    {
        var box = _kek.Seal("secret seed"u8, "context");

        foreach (var altered in new[]
        {
            box with { Ciphertext = Flip(box.Ciphertext) },
            box with { Tag = Flip(box.Tag) },
            box with { WrappedKey = Flip(box.WrappedKey) },
            box with { Nonce = Flip(box.Nonce) },
        })
        {
            Assert.Equal(StatusCode.DataLoss, Assert.Throws<RpcException>(() => _kek.Open(altered, "context")).StatusCode);
        }
    }

    [Fact]
    public void A_development_master_key_is_generated_once_and_reused()
    {
        var first = KeyEncryptionKey.Load(null, _directory.Path, NullLogger.Instance);
        var box = first.Seal("x"u8, "c");
        var second = KeyEncryptionKey.Load(null, _directory.Path, NullLogger.Instance);

        Assert.Equal("x", Encoding.UTF8.GetString(second.Open(box, "c")));
        Assert.True(File.Exists(Path.Combine(_directory.Path, "master.key")));
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    public void A_configured_master_key_that_is_not_32_bytes_of_base64_stops_the_start(string configured)
    {
        Assert.Throws<InvalidOperationException>(() => KeyEncryptionKey.Load(configured, _directory.Path, NullLogger.Instance));
    }

    [Fact]
    public void A_stored_chain_key_reopens_after_a_restart_and_signs_as_its_account()
    {
        var created = new ChainKeyStore(_directory.Path, _kek).Create();

        var reopened = new ChainKeyStore(_directory.Path, _kek).Find(created.AccountId);

        Assert.NotNull(reopened);
        Assert.Equal(created.AccountId, reopened.AccountId);
        var signature = reopened.Sign("payload"u8);
        Assert.True(DevnetKey.Verify(created.PublicKey, "payload"u8.ToArray(), signature));
    }

    [Fact]
    public void The_keystore_file_does_not_hold_the_seed_in_clear()
    {
        var key = new ChainKeyStore(_directory.Path, _kek).Create();
        var file = File.ReadAllText(KeyFile(key.AccountId));

        Assert.DoesNotContain(Convert.ToHexStringLower(key.ExportSeed()), file, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(key.ExportSeed()), file, StringComparison.Ordinal);
    }

    [Fact]
    public void An_altered_keystore_file_is_data_loss()
    {
        var key = new ChainKeyStore(_directory.Path, _kek).Create();
        var path = KeyFile(key.AccountId);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        var ciphertext = Convert.FromBase64String(json["seed"]!["ciphertext"]!.GetValue<string>());
        json["seed"]!["ciphertext"] = Convert.ToBase64String(Flip(ciphertext));
        File.WriteAllText(path, json.ToJsonString());

        var error = Assert.Throws<RpcException>(() => new ChainKeyStore(_directory.Path, _kek).Find(key.AccountId));
        Assert.Equal(StatusCode.DataLoss, error.StatusCode);
    }

    [Fact]
    public void A_key_file_copied_over_another_account_is_data_loss()
    {
        var store = new ChainKeyStore(_directory.Path, _kek);
        var victim = store.Create();
        var attacker = store.Create();
        var json = JsonNode.Parse(File.ReadAllText(KeyFile(attacker.AccountId)))!;
        json["account_id"] = victim.AccountId;
        File.WriteAllText(KeyFile(victim.AccountId), json.ToJsonString());

        var error = Assert.Throws<RpcException>(() => new ChainKeyStore(_directory.Path, _kek).Find(victim.AccountId));
        Assert.Equal(StatusCode.DataLoss, error.StatusCode);
    }

    [Fact]
    public void The_keystore_cannot_be_opened_under_another_master_key()
    {
        var key = new ChainKeyStore(_directory.Path, _kek).Create();

        var error = Assert.Throws<RpcException>(() => new ChainKeyStore(_directory.Path, new KeyEncryptionKey(new byte[32])).Find(key.AccountId));
        Assert.Equal(StatusCode.DataLoss, error.StatusCode);
    }

    [Fact]
    public void An_unknown_account_has_no_key_and_a_deleted_key_is_gone()
    {
        var store = new ChainKeyStore(_directory.Path, _kek);
        var key = store.Create();
        store.Delete(key.AccountId);

        Assert.Null(store.Find(key.AccountId));
        Assert.Null(new ChainKeyStore(_directory.Path, _kek).Find(DevnetKey.Generate().AccountId));
    }

    private string KeyFile(string accountId) => Path.Combine(_directory.Path, "keystore", accountId + ".key.json");

    private static byte[] Flip(byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        copy[0] ^= 0x01;
        return copy;
    }
}
