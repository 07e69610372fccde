using HybridEhr.Clients.Fabric;
using Grpc.Core;

namespace HybridEhr.FabricGateway.Hospitals;

/// <summary>
/// Real mode's readiness, probed by the health monitor: the hospitals registered in the chaincode (once; as on the
/// devnet, so a fresh channel is usable without a manual step), then the peer answering for the chaincode. Until the
/// registration succeeds the service stays NOT_SERVING, with the chaincode's reason.
/// </summary>
public sealed class FabricReadiness(Func<CancellationToken, Task> registerOrganizations, Func<CancellationToken, Task<FabricPeerProbeResult>> probe)
{
    private volatile bool _registered;

    public async Task<FabricPeerProbeResult> CheckAsync(CancellationToken cancellationToken)
    {
        if (!_registered)
        {
            try
            {
                await registerOrganizations(cancellationToken).ConfigureAwait(false);
                _registered = true;
            }
            catch (RpcException error)
            {
                return new FabricPeerProbeResult(false, $"registering the organisations in the chaincode: {error.Status.Detail}", TimeSpan.Zero);
            }
        }

        return await probe(cancellationToken).ConfigureAwait(false);
    }
}
