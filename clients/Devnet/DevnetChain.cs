using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Google.Protobuf;
using HybridEhr.Contracts.Devnet.V1;
using HybridEhr.Devnet.Ledger;
using Grpc.Core;

namespace HybridEhr.Clients.Devnet;

/// <summary>Signs transaction payloads for one account; the key may live elsewhere (a custodial keystore).</summary>
public interface ITransactionSigner
{
    string AccountId { get; }

    byte[] PublicKey { get; }

    ValueTask<byte[]> SignAsync(byte[] payload, CancellationToken cancellationToken);
}

/// <summary>A signer holding its key in this process.</summary>
public sealed class LocalSigner(DevnetKey key) : ITransactionSigner
{
    public string AccountId => key.AccountId;

    public byte[] PublicKey => key.PublicKey;

    public ValueTask<byte[]> SignAsync(byte[] payload, CancellationToken cancellationToken) => ValueTask.FromResult(key.Sign(payload));
}

/// <summary>
/// One chain of the devnet, seen from a service: submit a contract call signed by an account, or query. Submissions
/// of one account are sent one at a time in nonce order (the ledger refuses a nonce not above the last one used).
/// </summary>
public sealed class DevnetChain(DevnetClient client, string chain, string chainId)
{
    private readonly ConcurrentDictionary<string, AccountLane> _lanes = new(StringComparer.Ordinal);

    public string Chain => chain;

    public DevnetClient Client => client;

    public async Task<SubmitResponse> SubmitAsync(
        ITransactionSigner signer, string contract, string function, JsonObject args, CancellationToken cancellationToken = default)
    {
        var lane = _lanes.GetOrAdd(signer.AccountId, _ => new AccountLane());
        await lane.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // One retry: another process may have used this account's next nonce since we last asked.
            for (var attempt = 0; ; attempt++)
            {
                if (lane.NextNonce is null || attempt > 0)
                {
                    var account = await client.GetAccountAsync(new GetAccountRequest { Chain = chain, Account = signer.AccountId },
                        new CallOptions(cancellationToken: cancellationToken)).ResponseAsync.ConfigureAwait(false);
                    lane.NextNonce = account.NextNonce;
                }

                var nonce = lane.NextNonce.Value;
                var argsJson = args.ToJsonString();
                var timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var payload = SignedTransaction.EncodePayload(chainId, contract, function, argsJson, signer.PublicKey, nonce, timestamp);
                var signature = await signer.SignAsync(payload, cancellationToken).ConfigureAwait(false);
                var transaction = new SignedTransaction(chainId, contract, function, argsJson, signer.PublicKey, nonce, timestamp, signature);
                var response = await client.SubmitAsync(new SubmitRequest { Chain = chain, SignedTransaction = ByteString.CopyFrom(transaction.ToBytes()) },
                    new CallOptions(cancellationToken: cancellationToken)).ResponseAsync.ConfigureAwait(false);
                if (response.ValidationCode == "NONCE_REPLAYED" && attempt == 0)
                {
                    continue;
                }

                lane.NextNonce = nonce + 1;
                return response;
            }
        }
        catch
        {
            lane.NextNonce = null;
            throw;
        }
        finally
        {
            lane.Gate.Release();
        }
    }

    public async Task<QueryResponse> QueryAsync(
        string callerAccount, string contract, string function, JsonObject args, CancellationToken cancellationToken = default) =>
        await client.QueryAsync(new QueryRequest
        {
            Chain = chain,
            Contract = contract,
            Function = function,
            ArgsJson = args.ToJsonString(),
            CallerAccount = callerAccount,
        }, new CallOptions(cancellationToken: cancellationToken)).ResponseAsync.ConfigureAwait(false);

    private sealed class AccountLane
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public long? NextNonce { get; set; }
    }
}
