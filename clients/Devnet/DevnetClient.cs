using Grpc.Core;
using DevnetApi = HybridEhr.Contracts.Devnet.V1.Devnet;

namespace HybridEhr.Clients.Devnet;

/// <summary>The generated gRPC client of the devnet host (hybridehr.devnet.v1.Devnet), under the name services register.</summary>
public sealed class DevnetClient : DevnetApi.DevnetClient
{
    public DevnetClient(CallInvoker callInvoker)
        : base(callInvoker)
    {
    }

    public DevnetClient(ChannelBase channel)
        : base(channel)
    {
    }
}
