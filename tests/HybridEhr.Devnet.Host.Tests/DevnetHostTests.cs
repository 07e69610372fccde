using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Google.Protobuf;
using HybridEhr.Clients.Devnet;
using HybridEhr.Contracts.Devnet.V1;
using HybridEhr.Devnet.Ledger;
using Grpc.Core;
using HybridEhr.Testing;
using Xunit;
using Grpc.Net.Client;

namespace HybridEhr.Devnet.Host.Tests;

public sealed class DevnetHostTests : IDisposable
{
    private static readonly string DevnetDll = Path.Combine(Repository.Root, "devnet", "bin", Repository.Configuration, "net10.0", "HybridEhr.Devnet.dll");
    private readonly string _data = Path.Combine(Path.GetTempPath(), "devnet-host-test-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public async Task Kill_9_during_a_write_burst_loses_no_acknowledged_transaction()
    {
        var acknowledged = new ConcurrentBag<string>();
        var address = $"http://127.0.0.1:{ServiceProcess.FreePort()}";
        await using (var devnet = await StartAsync(address))
        {
            using var channel = GrpcChannel.ForAddress(devnet.Address);
            var chain = new DevnetChain(new DevnetClient(channel), DevAccounts.PermissionChain, DevAccounts.PermissionChainId);
            using var burst = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 16).Select(writer => Task.Run(async () =>
            {
                for (var i = 0; !burst.IsCancellationRequested; i++)
                {
                    // Each patient registers with a document of its own: every transaction is valid on its own.
                    var signer = new LocalSigner(DevnetKey.Generate());
                    try
                    {
                        var response = await chain.SubmitAsync(signer, "access_control", "add_user",
                            new JsonObject { ["document_id_hash"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Guid.NewGuid().ToByteArray())) });
                        Assert.Equal("VALID", response.ValidationCode);
                        acknowledged.Add(response.TxId);
                    }
                    catch (Grpc.Core.RpcException)
                    {
                        return; // the devnet was killed under this call: it was never acknowledged
                    }
                }
            })).ToList();

            await Task.Delay(1500);
            await devnet.KillAsync();
            await burst.CancelAsync();
            await Task.WhenAll(writers);
        }

        Assert.True(acknowledged.Count > 50, $"only {acknowledged.Count} transactions were acknowledged before the kill");
        Assert.Equal(0, Verify().ExitCode);

        await using var restarted = await StartAsync(address);
        using var again = GrpcChannel.ForAddress(restarted.Address);
        var client = new DevnetClient(again);
        foreach (var txId in acknowledged)
        {
            var found = await client.GetTransactionAsync(new GetTransactionRequest { Chain = DevAccounts.PermissionChain, TxId = txId });
            Assert.Equal("VALID", found.Transaction.ValidationCode);
        }
    }

    [Fact]
    public async Task Verify_names_the_block_whose_byte_was_flipped_and_the_devnet_refuses_to_start()
    {
        await using (var devnet = await StartAsync())
        {
            using var channel = GrpcChannel.ForAddress(devnet.Address);
            var chain = new DevnetChain(new DevnetClient(channel), DevAccounts.PermissionChain, DevAccounts.PermissionChainId);
            for (var i = 0; i < 5; i++)
            {
                var response = await chain.SubmitAsync(new LocalSigner(DevnetKey.Generate()), "access_control", "add_user",
                    new JsonObject { ["document_id_hash"] = new string((char)('a' + i), 64) });
                Assert.Equal("VALID", response.ValidationCode);
            }
        }

        Assert.Equal(0, Verify().ExitCode);
        var log = Path.Combine(_data, DevAccounts.PermissionChain, "blocks.log");
        var (start, length) = RecordOfBlock(log, height: 3);
        FlipByte(log, start + (length / 2));

        var verify = Verify();
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("block 3", verify.Output, StringComparison.Ordinal);
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync());
        Assert.Contains("3", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forged_signature_and_replayed_transaction_are_rejected_with_their_reason()
    {
        await using var devnet = await StartAsync();
        using var channel = GrpcChannel.ForAddress(devnet.Address);
        var client = new DevnetClient(channel);
        var key = DevnetKey.Generate();
        var transaction = SignedTransaction.Create(key, DevAccounts.PermissionChainId, "access_control", "add_user",
            new JsonObject { ["document_id_hash"] = new string('f', 64) }, nonce: 0, timestampHint: 0);
        var bytes = transaction.ToBytes();

        var forged = (byte[])bytes.Clone();
        forged[^1] ^= 0x01;
        var forgedResponse = await client.SubmitAsync(new SubmitRequest { Chain = DevAccounts.PermissionChain, SignedTransaction = ByteString.CopyFrom(forged) });
        Assert.Equal("BAD_SIGNATURE", forgedResponse.ValidationCode);

        var first = await client.SubmitAsync(new SubmitRequest { Chain = DevAccounts.PermissionChain, SignedTransaction = ByteString.CopyFrom(bytes) });
        Assert.Equal("VALID", first.ValidationCode);
        var replay = await client.SubmitAsync(new SubmitRequest { Chain = DevAccounts.PermissionChain, SignedTransaction = ByteString.CopyFrom(bytes) });
        Assert.Equal("NONCE_REPLAYED", replay.ValidationCode);

        var wrongChain = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() =>
            client.SubmitAsync(new SubmitRequest { Chain = "nope", SignedTransaction = ByteString.CopyFrom(bytes) }).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, wrongChain.StatusCode);
    }

    [Fact]
    public async Task Events_are_replayed_from_a_block_then_delivered_live()
    {
        await using var devnet = await StartAsync();
        using var channel = GrpcChannel.ForAddress(devnet.Address);
        var client = new DevnetClient(channel);
        var chain = new DevnetChain(client, DevAccounts.PermissionChain, DevAccounts.PermissionChainId);
        var first = await chain.SubmitAsync(new LocalSigner(DevnetKey.Generate()), "access_control", "add_user", new JsonObject { ["document_id_hash"] = new string('1', 64) });

        using var watch = client.WatchEvents(new WatchEventsRequest { Chain = DevAccounts.PermissionChain, FromBlock = 1 },
            new CallOptions(deadline: DateTime.UtcNow.Add(TimeSpan.FromSeconds(20))));
        await using var events = watch.ResponseStream.ReadAllAsync().GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync());
        Assert.Equal(first.TxId, events.Current.TxId);

        var second = await chain.SubmitAsync(new LocalSigner(DevnetKey.Generate()), "access_control", "add_user", new JsonObject { ["document_id_hash"] = new string('2', 64) });
        Assert.True(await events.MoveNextAsync());
        Assert.Equal(second.TxId, events.Current.TxId);
    }

    private Task<ServiceProcess> StartAsync(string? address = null) =>
        ServiceProcess.StartAsync("devnet", DevnetDll, ["--data", _data], address: address);

    private (int ExitCode, string Output) Verify()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { DevnetDll, "verify", "--data", _data })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    /// <summary>Where block <paramref name="height"/>'s record lies in the log ("HEB1", u32 length, two CRC-32s, payload).</summary>
    private static (long Start, int Length) RecordOfBlock(string log, int height)
    {
        var bytes = File.ReadAllBytes(log);
        var offset = 0;
        for (var block = 0; ; block++)
        {
            var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset + 4));
            const int header = 16;
            if (block == height)
            {
                return (offset + header, length);
            }

            offset += header + length;
        }
    }

    private static void FlipByte(string path, long offset)
    {
        using var file = File.Open(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var value = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(value ^ 0xFF));
    }
}
