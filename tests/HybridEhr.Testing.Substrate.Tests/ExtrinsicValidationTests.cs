using HybridEhr.Clients.Substrate;
using HybridEhr.Clients.Substrate.Chain;
using HybridEhr.Clients.Substrate.Extrinsics;
using HybridEhr.Clients.Substrate.Keys;
using HybridEhr.Clients.Substrate.Rpc;
using HybridEhr.Clients.Substrate.Scale;

namespace HybridEhr.Testing.Substrate.Tests;

/// <summary>The pool's checks: signature over the rebuilt payload, nonce, era, call decoding; and refused calls.</summary>
public sealed class ExtrinsicValidationTests
{
    [Fact]
    public async Task A_forged_signature_is_refused_as_a_bad_signature_and_makes_no_block()
    {
        await using var parties = await Parties.StartAsync();
        var signed = await SignedRemarkAsync(parties.Chain, Parties.Alice, "hello"u8.ToArray());
        var forged = (byte[])signed.Clone();
        forged[SignatureOffset(forged) + 10] ^= 0x01;

        var error = await Assert.ThrowsAsync<RpcException>(() => parties.Chain.SubmitAndWatchAsync(forged, WatchUntil.InBlock));

        Assert.Equal((1010, "Transaction has a bad signature"), (error.Code, error.Data));
        Assert.Equal(0, parties.Node.BestBlock);
        Assert.Equal(0UL, await parties.Chain.GetNonceAsync(Parties.Alice.PublicKey));
        Assert.True((await parties.Chain.SubmitAndWatchAsync(signed, WatchUntil.InBlock)).Succeeded); // the original is fine
    }

    [Fact]
    public async Task A_signature_over_another_spec_version_or_genesis_is_a_bad_signature()
    {
        await using var parties = await Parties.StartAsync();
        var call = parties.Chain.Extrinsics.EncodeCall("System", "remark", ("remark", ScaleValue.Of("x"u8.ToArray())));
        var parameters = await parties.Chain.PrepareSigningAsync(Parties.Alice.PublicKey, 0);

        foreach (var wrong in new[] { parameters with { SpecVersion = parameters.SpecVersion + 1 }, parameters with { GenesisHash = new byte[32] } })
        {
            var error = await Assert.ThrowsAsync<RpcException>(() =>
                parties.Chain.SubmitAndWatchAsync(parties.Chain.Extrinsics.BuildSigned(call, Parties.Alice, wrong), WatchUntil.InBlock));
            Assert.Equal("Transaction has a bad signature", error.Data);
        }
    }

    [Fact]
    public async Task A_replayed_extrinsic_is_outdated_and_a_skipped_nonce_is_in_the_future()
    {
        await using var parties = await Parties.StartAsync();
        var first = await SignedRemarkAsync(parties.Chain, Parties.Alice, [1]);
        await parties.Chain.SubmitAndWatchAsync(first, WatchUntil.InBlock);

        var replay = await Assert.ThrowsAsync<RpcException>(() => parties.Chain.SubmitAndWatchAsync(first, WatchUntil.InBlock));
        var parameters = await parties.Chain.PrepareSigningAsync(Parties.Alice.PublicKey, 0);
        var call = parties.Chain.Extrinsics.EncodeCall("System", "remark", ("remark", ScaleValue.Of(new byte[] { 2 })));
        var skipped = parties.Chain.Extrinsics.BuildSigned(call, Parties.Alice, parameters with { Nonce = parameters.Nonce + 1 });
        var future = await Assert.ThrowsAsync<RpcException>(() => parties.Chain.SubmitAndWatchAsync(skipped, WatchUntil.InBlock));

        Assert.Equal((1010, "Transaction is outdated"), (replay.Code, replay.Data));
        Assert.Equal((1010, "Transaction will be valid in the future"), (future.Code, future.Data));
        Assert.Equal(1, parties.Node.BestBlock);
    }

    [Fact]
    public async Task Each_included_extrinsic_bumps_its_signers_nonce_only()
    {
        await using var parties = await Parties.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            await parties.Chain.SubmitAndWatchAsync(await SignedRemarkAsync(parties.Chain, Parties.Alice, [(byte)i]), WatchUntil.Finalized);
        }

        Assert.Equal(3UL, await parties.Chain.GetNonceAsync(Parties.Alice.PublicKey));
        Assert.Equal(0UL, await parties.Chain.GetNonceAsync(Parties.Bob.PublicKey));
        Assert.Equal(3, parties.Node.BestBlock);
    }

    [Fact]
    public async Task An_era_that_has_passed_no_longer_verifies_and_an_unborn_one_is_ancient()
    {
        await using var parties = await Parties.StartAsync();
        var call = parties.Chain.Extrinsics.EncodeCall("System", "remark", ("remark", ScaleValue.Of(new byte[] { 7 })));
        var shortLived = await parties.Chain.PrepareSigningAsync(Parties.Alice.PublicKey, 0) with { Era = Era.Mortal(4, 0) };
        var expiring = parties.Chain.Extrinsics.BuildSigned(call, Parties.Alice, shortLived);
        for (var i = 0; i < 5; i++)
        {
            await parties.Chain.SubmitAndWatchAsync(await SignedRemarkAsync(parties.Chain, Parties.Bob, [(byte)i]), WatchUntil.InBlock);
        }

        var expired = await Assert.ThrowsAsync<RpcException>(() => parties.Chain.SubmitAndWatchAsync(expiring, WatchUntil.InBlock));
        // Born at best + 1 (phase 6 of period 8 while the best block is 5): no hash to sign yet.
        var unborn = parties.Chain.Extrinsics.BuildSigned(call, Parties.Alice, shortLived with { Era = Era.Mortal(8, 6), EraBlockHash = new byte[32] });
        var ancient = await Assert.ThrowsAsync<RpcException>(() => parties.Chain.SubmitAndWatchAsync(unborn, WatchUntil.InBlock));

        Assert.Equal("Transaction has a bad signature", expired.Data);
        Assert.Equal("Transaction has an ancient birth block", ancient.Data);
    }

    [Fact]
    public async Task An_immortal_transaction_signs_over_the_genesis_hash()
    {
        await using var parties = await Parties.StartAsync();
        var call = parties.Chain.Extrinsics.EncodeCall("System", "remark", ("remark", ScaleValue.Of(new byte[] { 9 })));
        var parameters = await parties.Chain.PrepareSigningAsync(Parties.Alice.PublicKey, 0) with { Era = Era.Immortal, EraBlockHash = parties.Chain.GenesisHash };

        var outcome = await parties.Chain.SubmitAndWatchAsync(parties.Chain.Extrinsics.BuildSigned(call, Parties.Alice, parameters), WatchUntil.InBlock);

        Assert.True(outcome.Succeeded);
    }

    [Fact]
    public async Task A_call_the_simulator_does_not_run_fails_with_call_filtered_and_garbage_is_not_decoded()
    {
        await using var parties = await Parties.StartAsync();
        var transfer = parties.Chain.Extrinsics.EncodeCall(
            "Balances", "transfer_keep_alive", ("dest", parties.Chain.Extrinsics.AddressOf(Parties.Bob.PublicKey)), ("value", ScaleValue.Of(1UL)));

        var failed = await Assert.ThrowsAsync<ExtrinsicFailedException>(() => parties.Chain.SignAndSubmitAsync(transfer, Parties.Alice, 0));
        var garbage = await Assert.ThrowsAsync<RpcException>(() => parties.Chain.Rpc.RequestAsync("author_submitExtrinsic", ["0x0c840102"]));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => parties.Chain.Rpc.RequestAsync("author_rotateKeys", []));

        Assert.Contains("System.CallFiltered", failed.Message, StringComparison.Ordinal);
        Assert.Equal(1002, garbage.Code);
        Assert.Equal((-32601, "RPC error -32601: Method not found"), (unknown.Code, unknown.Message));
    }

    private static async Task<byte[]> SignedRemarkAsync(SubstrateClient chain, Ed25519KeyPair signer, byte[] remark)
    {
        var call = chain.Extrinsics.EncodeCall("System", "remark", ("remark", ScaleValue.Of(remark)));
        var parameters = await chain.PrepareSigningAsync(signer.PublicKey, 0);
        return chain.Extrinsics.BuildSigned(call, signer, parameters);
    }

    // length prefix, version byte, MultiAddress::Id (1 + 32), MultiSignature tag (1), then the 64 signature bytes.
    private static int SignatureOffset(byte[] extrinsic)
    {
        var reader = new ScaleReader(extrinsic);
        reader.CompactLength();
        return reader.Position + 1 + 33 + 1;
    }
}
