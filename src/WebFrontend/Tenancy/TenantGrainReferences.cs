using TenantChat.Grains;

namespace TenantChat.WebFrontend.Tenancy;

/// <summary>
/// Tenant grain references for the chat path. <c>GetGrain&lt;ITenantGrain&gt;(id)</c> finds the interface's Orleans
/// type by reading its attributes through reflection on every call (Orleans 10.4 keeps no cache of it): about 1.5% of
/// the frontend's CPU at c=8 (docs/benchmarks.md, "Profile of the c=8 path"). Here the grain type and the interface
/// type are read once, from one reference made the usual way, and every reference is made from its grain id, which
/// Orleans builds the same way for a Guid key.
/// </summary>
public sealed class TenantGrainReferences(IGrainFactory orleans)
{
    private readonly Lazy<(GrainType Grain, GrainInterfaceType Interface)> _types = new(() =>
    {
        var probe = (GrainReference)(object)orleans.GetGrain<ITenantGrain>(Guid.Empty);
        return (probe.GrainId.Type, probe.InterfaceType);
    });

    public ITenantGrain Get(Guid tenantId)
    {
        var (grain, @interface) = _types.Value;
        return (ITenantGrain)orleans.GetGrain(GrainId.Create(grain, GrainIdKeyExtensions.CreateGuidKey(tenantId)), @interface);
    }
}
