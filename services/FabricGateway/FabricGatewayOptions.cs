namespace HybridEhr.FabricGateway;

/// <summary>Which chain stands behind the service (configuration "FabricGateway:Mode").</summary>
public enum RecordsChainMode
{
    /// <summary>The records chain of the embedded devnet: the default.</summary>
    Devnet,

    /// <summary>A real Hyperledger Fabric network, configured under "FabricGateway:Fabric" (docs/fabric.md).</summary>
    Fabric,
}

/// <summary>Configuration section "FabricGateway".</summary>
public sealed class FabricGatewayOptions
{
    /// <summary>
    /// Shared secret for the hospital-administration call EnrollDoctor (header x-admin-key). Empty = that call is
    /// refused. Development and tests set one; a real hospital enrols doctors with its own Fabric CA instead.
    /// </summary>
    public string AdminKey { get; set; } = "";

    /// <summary>The hospitals served by this gateway (MSP ids), registered on the records chain at start-up.</summary>
    public List<string> Organizations { get; set; } = [];
}
