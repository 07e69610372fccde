namespace HybridEhr.Clients.Fabric;

/// <summary>The outcome of one probe: whether the peer answered for the chaincode, in words, and how fast.</summary>
public sealed record FabricPeerProbeResult(bool IsHealthy, string Description, TimeSpan Latency);

/// <summary>
/// Health of the peer connection as the FabricGateway service reports it: evaluates the read-only metadata function
/// fabric-contract-api adds to every chaincode, so a healthy answer proves TLS, identity, channel and chaincode.
/// </summary>
public sealed class FabricPeerProbe(Network network, string chaincodeName, TimeProvider? time = null)
{
    /// <summary>fabric-contract-api's system contract function; present in every contract-api chaincode.</summary>
    public const string MetadataFunction = "org.hyperledger.fabric:GetMetadata";

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<FabricPeerProbeResult> CheckAsync(CancellationToken cancellationToken = default)
    {
        var started = _time.GetTimestamp();
        try
        {
            var proposal = network.GetContract(chaincodeName).NewProposal(MetadataFunction);
            await proposal.EvaluateAsync(cancellationToken).ConfigureAwait(false);
            return new FabricPeerProbeResult(
                true, $"chaincode {chaincodeName} answers on channel {network.Name}", _time.GetElapsedTime(started));
        }
        catch (GatewayException error)
        {
            return new FabricPeerProbeResult(false, error.Message, _time.GetElapsedTime(started));
        }
        catch (HttpRequestException error)
        {
            return new FabricPeerProbeResult(false, $"peer unreachable: {error.Message}", _time.GetElapsedTime(started));
        }
    }
}
