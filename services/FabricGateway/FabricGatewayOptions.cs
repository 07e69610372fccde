namespace HybridEhr.FabricGateway;

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
