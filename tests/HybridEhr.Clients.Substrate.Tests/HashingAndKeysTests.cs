using System.Text;
using HybridEhr.Clients.Substrate.Hashing;
using HybridEhr.Clients.Substrate.Keys;

namespace HybridEhr.Clients.Substrate.Tests;

[Collection(PolkadotJsCollection.Name)]
public sealed class HashingAndKeysTests(PolkadotJs polkadot)
{
    [Fact]
    public void Storage_keys_and_hashers_match_polkadot_js()
    {
        var random = new Random(42);
        // Lengths around xxHash64's 32-byte stripes, 8- and 4-byte tails.
        var inputs = new[] { 0, 1, 3, 4, 7, 8, 31, 32, 33, 63, 64, 100, 257 }
            .Select(length => { var b = new byte[length]; random.NextBytes(b); return b; })
            .ToList();
        var accounts = new[] { "//Alice", "//Bob" }.Select(uri => Ed25519KeyPair.FromUri(uri).PublicKey).ToList();

        var theirs = polkadot.Run("storageKeys", new
        {
            name = StaticMetadata.ContractsNodeV14,
            accounts = accounts.Select(a => Hex.Encode(a)),
            hashInputs = inputs.Select(i => Hex.Encode(i)),
        });

        Assert.Equal(theirs.GetProperty("systemEvents").GetString(), Hex.Encode(SubstrateHashers.StorageKey("System", "Events")));
        var metadata = StaticMetadata.Decode(polkadot, StaticMetadata.ContractsNodeV14);
        var accountEntry = metadata.FindStorage("System", "Account");
        Assert.Equal([StorageHasher.Blake2_128Concat], accountEntry.Hashers);
        var expectedAccounts = theirs.GetProperty("systemAccount").EnumerateArray().Select(k => k.GetString()!).ToList();
        Assert.Equal(expectedAccounts, accounts.Select(a => Hex.Encode(SubstrateHashers.StorageKey("System", "Account", (accountEntry.Hashers[0], a)))).ToList());

        var hashes = theirs.GetProperty("hashes").EnumerateArray().ToList();
        for (var i = 0; i < inputs.Count; i++)
        {
            Assert.Equal(hashes[i].GetProperty("twox64").GetString(), Hex.Encode(SubstrateHashers.Twox(inputs[i], 64)));
            Assert.Equal(hashes[i].GetProperty("twox128").GetString(), Hex.Encode(SubstrateHashers.Twox(inputs[i], 128)));
            Assert.Equal(hashes[i].GetProperty("twox256").GetString(), Hex.Encode(SubstrateHashers.Twox(inputs[i], 256)));
            Assert.Equal(hashes[i].GetProperty("blake2_128").GetString(), Hex.Encode(SubstrateHashers.Blake2b(inputs[i], 128)));
            Assert.Equal(hashes[i].GetProperty("blake2_256").GetString(), Hex.Encode(SubstrateHashers.Blake2b(inputs[i], 256)));
        }
    }

    [Fact]
    public void Dev_keys_and_ss58_addresses_match_the_keyring()
    {
        var uris = new[] { "//Alice", "//Bob", "//Charlie", "//Alice//stash", "//7", "0x" + new string('4', 64), "0x" + new string('4', 64) + "//child" };
        var ours = uris.Select(uri => Ed25519KeyPair.FromUri(uri).PublicKey).ToList();

        var theirs = polkadot.Run("keys", new { uris, accounts = ours.Select(k => Hex.Encode(k)) });

        Assert.Equal(theirs.GetProperty("publicKeys").EnumerateArray().Select(k => k.GetString()!).ToList(), ours.Select(k => Hex.Encode(k)).ToList());
        var addresses = theirs.GetProperty("ss58").EnumerateArray().Select(a => a.GetString()!).ToList();
        Assert.Equal(addresses, ours.Select(k => Ss58.Encode(k)).ToList());
        Assert.Equal(ours[0], Ss58.Decode(addresses[0]));
        Assert.Throws<FormatException>(() => Ss58.Decode(addresses[0][..^1] + (addresses[0][^1] == 'a' ? 'b' : 'a')));
    }

    [Fact]
    public void A_keyring_signature_verifies_with_our_code_and_ours_is_deterministic()
    {
        var message = Encoding.UTF8.GetBytes("grant drsmith view access");
        var theirs = polkadot.Run("sign", new { uri = "//Alice", messageHex = Hex.Encode(message) });
        var publicKey = Hex.Decode(theirs.GetProperty("publicKey").GetString()!);
        var signature = Hex.Decode(theirs.GetProperty("signature").GetString()!);

        Assert.True(Ed25519KeyPair.Verify(publicKey, message, signature));
        // Ed25519 signatures are deterministic, so ours must be byte-identical.
        Assert.Equal(signature, Ed25519KeyPair.FromUri("//Alice").Sign(message));
        message[0] ^= 1;
        Assert.False(Ed25519KeyPair.Verify(publicKey, message, signature));
    }
}
