using System.Numerics;
using System.Text.Json;
using HybridEhr.Clients.Substrate.Contracts;
using HybridEhr.Clients.Substrate.Extrinsics;
using HybridEhr.Clients.Substrate.Keys;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Clients.Substrate.Tests;

[Collection(PolkadotJsCollection.Name)]
public sealed class ExtrinsicCrossCheckTests(PolkadotJs polkadot)
{
    private static readonly byte[] Genesis = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] BirthBlockHash = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] Bob = Ed25519KeyPair.FromUri("//Bob").PublicKey;

    [Theory]
    [MemberData(nameof(StaticMetadata.All), MemberType = typeof(StaticMetadata))]
    public void A_signed_transfer_decodes_to_the_same_call_and_its_signature_verifies(string name)
    {
        var builder = new ExtrinsicBuilder(StaticMetadata.Decode(polkadot, name));
        var call = builder.EncodeCall("Balances", "transfer_keep_alive",
            ("dest", builder.AddressOf(Bob)),
            ("value", ScaleValue.Of(BigInteger.Parse("1234567890123456789", System.Globalization.CultureInfo.InvariantCulture))));
        var parameters = Parameters(nonce: 7, tip: 1_000, era: Era.Mortal(64, 1_000_003));

        var decoded = Decode(name, builder.BuildSigned(call, Ed25519KeyPair.FromUri("//Alice"), parameters), parameters);

        Assert.True(decoded.GetProperty("isSigned").GetBoolean());
        Assert.Equal("balances", decoded.GetProperty("section").GetString());
        Assert.Equal("transferKeepAlive", decoded.GetProperty("method").GetString());
        Assert.Equal(Hex.Encode(call), decoded.GetProperty("callHex").GetString());
        Assert.Equal(Hex.Encode(Ed25519KeyPair.FromUri("//Alice").PublicKey), decoded.GetProperty("signer").GetString());
        Assert.Equal("Ed25519", decoded.GetProperty("signatureType").GetString());
        Assert.Equal(7, decoded.GetProperty("nonce").GetInt32());
        Assert.Equal("1000", decoded.GetProperty("tip").GetString());
        Assert.True(decoded.GetProperty("eraIsMortal").GetBoolean());
        Assert.Equal(64, decoded.GetProperty("eraPeriod").GetInt32());
        Assert.Equal((int)(1_000_003 % 64), decoded.GetProperty("eraPhase").GetInt32());
        Assert.True(decoded.GetProperty("signatureValid").GetBoolean());
    }

    [Fact]
    public void A_contract_call_with_a_long_payload_is_signed_over_its_hash_and_verifies()
    {
        var builder = new ExtrinsicBuilder(StaticMetadata.Decode(polkadot, StaticMetadata.ContractsNodeV14));
        var contract = Enumerable.Repeat((byte)0xcd, 32).ToArray();
        var input = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        var call = ContractsCall.Encode(builder, contract, input, new Weight(2_117_705_426, 65_536), 1_000_000_000);
        var parameters = Parameters(nonce: 300, tip: 0, era: Era.Mortal(128, 5));

        var decoded = Decode(StaticMetadata.ContractsNodeV14, builder.BuildSigned(call, Ed25519KeyPair.FromUri("//Alice"), parameters), parameters);

        Assert.Equal("contracts", decoded.GetProperty("section").GetString());
        Assert.Equal("call", decoded.GetProperty("method").GetString());
        var args = decoded.GetProperty("args");
        Assert.Equal(Hex.Encode(input), args.GetProperty("data").GetString());
        Assert.Equal(2_117_705_426L, args.GetProperty("gas_limit").GetProperty("refTime").GetInt64());
        Assert.Equal(65_536L, args.GetProperty("gas_limit").GetProperty("proofSize").GetInt64());
        Assert.True(decoded.GetProperty("signatureValid").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(StaticMetadata.All), MemberType = typeof(StaticMetadata))]
    public void Changing_one_byte_of_the_call_breaks_the_signature(string name)
    {
        var builder = new ExtrinsicBuilder(StaticMetadata.Decode(polkadot, name));
        var call = builder.EncodeCall("System", "remark", ("remark", ScaleValue.Of("hello, permission chain"u8.ToArray())));
        var parameters = Parameters(nonce: 1, tip: 5, era: Era.Mortal(64, 42));
        var extrinsic = builder.BuildSigned(call, Ed25519KeyPair.FromUri("//Alice"), parameters);
        Assert.True(Decode(name, extrinsic, parameters).GetProperty("signatureValid").GetBoolean());

        var tampered = (byte[])extrinsic.Clone();
        tampered[^1] ^= 0x01; // last byte of the remark

        var decoded = Decode(name, tampered, parameters);
        Assert.Equal("remark", decoded.GetProperty("method").GetString());
        Assert.False(decoded.GetProperty("signatureValid").GetBoolean());
    }

    [Fact]
    public void The_signature_also_covers_the_chain_facts_that_are_not_sent()
    {
        var builder = new ExtrinsicBuilder(StaticMetadata.Decode(polkadot, StaticMetadata.ContractsNodeV14));
        var call = builder.EncodeCall("System", "remark", ("remark", ScaleValue.Of(new byte[] { 1, 2, 3 })));
        var parameters = Parameters(nonce: 1, tip: 0, era: Era.Immortal) with { EraBlockHash = Genesis };
        var extrinsic = builder.BuildSigned(call, Ed25519KeyPair.FromUri("//Alice"), parameters);

        Assert.True(Decode(StaticMetadata.ContractsNodeV14, extrinsic, parameters).GetProperty("signatureValid").GetBoolean());
        Assert.False(Decode(StaticMetadata.ContractsNodeV14, extrinsic, parameters with { SpecVersion = 101 }).GetProperty("signatureValid").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(StaticMetadata.All), MemberType = typeof(StaticMetadata))]
    public void Our_decoder_reads_back_the_signer_the_call_and_the_signed_extensions(string name)
    {
        var metadata = StaticMetadata.Decode(polkadot, name);
        var builder = new ExtrinsicBuilder(metadata);
        var alice = Ed25519KeyPair.FromUri("//Alice");
        var call = builder.EncodeCall("Balances", "transfer_keep_alive", ("dest", builder.AddressOf(Bob)), ("value", ScaleValue.Of(4_321UL)));
        var parameters = Parameters(nonce: 9, tip: 77, era: Era.Mortal(64, 1_000));
        var extrinsic = builder.BuildSigned(call, alice, parameters);
        var payloads = new ExtrinsicPayload(metadata);

        var decoded = payloads.DecodeExtrinsic(extrinsic);
        Assert.Equal(alice.PublicKey, decoded.Signer);
        Assert.Equal(("Balances", "transfer_keep_alive"), (decoded.Call.Pallet, decoded.Call.Name));
        Assert.Equal(new BigInteger(4_321), decoded.Call["value"].AsNumber());
        Assert.Equal(Hex.Encode(Hashing.SubstrateHashers.Blake2b256(extrinsic)), decoded.Hash);
        // polkadot-js agrees on what the call is
        Assert.Equal(Hex.Encode(call), Decode(name, extrinsic, parameters).GetProperty("callHex").GetString());

        var payload = payloads.DecodeSigningPayload(builder.FullSigningPayload(call, parameters));
        Assert.Equal(Genesis, payload.Extension("CheckGenesis")!.Additional.AsBytes());
        Assert.Equal(BirthBlockHash, payload.Extension("CheckMortality")!.Additional.AsBytes());
        Assert.Equal(parameters.Era.Encode(), payload.Extension("CheckMortality")!.Extra.AsBytes());
        Assert.Equal(new BigInteger(100), payload.Extension("CheckSpecVersion")!.Additional.AsNumber());
        Assert.Equal(new BigInteger(9), payload.Extension("CheckNonce")!.Extra.AsNumber());

        byte[] trailing = [.. builder.FullSigningPayload(call, parameters), 0];
        Assert.Throws<ScaleException>(() => payloads.DecodeSigningPayload(trailing));
    }

    [Fact]
    public async Task A_signer_is_handed_the_whole_payload_and_signs_its_hash_when_long()
    {
        var metadata = StaticMetadata.Decode(polkadot, StaticMetadata.ContractsNodeV14);
        var builder = new ExtrinsicBuilder(metadata);
        var call = ContractsCall.Encode(builder, new byte[32], new byte[300], new Weight(1, 1), 1);
        var parameters = Parameters(nonce: 1, tip: 0, era: Era.Mortal(64, 10));
        var recorder = new RecordingSigner(Ed25519KeyPair.FromUri("//Alice"));

        var extrinsic = builder.BuildSigned(call, Ed25519KeyPair.FromUri("//Alice"), parameters);
        Assert.Equal(extrinsic, await builder.BuildSignedAsync(call, recorder, parameters, default));

        Assert.Equal(builder.FullSigningPayload(call, parameters), recorder.Payload);
        Assert.True(recorder.Payload!.Length > ExtrinsicPayload.MaxUnhashedLength);
        Assert.Equal(32, builder.SigningPayload(call, parameters).Length);
        Assert.True(Decode(StaticMetadata.ContractsNodeV14, extrinsic, parameters).GetProperty("signatureValid").GetBoolean());
    }

    private sealed class RecordingSigner(Ed25519KeyPair key) : IExtrinsicSigner
    {
        public byte[]? Payload { get; private set; }

        public byte[] PublicKey => key.PublicKey;

        public ValueTask<byte[]> SignAsync(byte[] payload, CancellationToken cancellationToken)
        {
            Payload = payload;
            return key.SignAsync(payload, cancellationToken);
        }
    }

    private JsonElement Decode(string name, byte[] extrinsic, SigningParameters parameters) =>
        polkadot.Run("decodeExtrinsic", new
        {
            name,
            hex = Hex.Encode(extrinsic),
            specVersion = parameters.SpecVersion,
            transactionVersion = parameters.TransactionVersion,
            genesisHash = Hex.Encode(parameters.GenesisHash),
            blockHash = Hex.Encode(parameters.EraBlockHash),
        });

    private static SigningParameters Parameters(ulong nonce, BigInteger tip, Era era) => new()
    {
        SpecVersion = 100,
        TransactionVersion = 1,
        GenesisHash = Genesis,
        Nonce = nonce,
        Era = era,
        EraBlockHash = BirthBlockHash,
        Tip = tip,
    };
}
