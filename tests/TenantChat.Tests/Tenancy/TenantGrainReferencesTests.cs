using TenantChat.Grains;
using TenantChat.Tests.Infrastructure;
using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.Tests.Tenancy;

/// <summary>The chat path's tenant grain references reach the very grain Orleans' own GetGrain does.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TenantGrainReferencesTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_reference_made_from_the_grain_id_is_the_tenants_own_grain()
    {
        var first = await fixture.CreateTenantAsync("First tenant of the references test.");
        var second = await fixture.CreateTenantAsync("Second tenant of the references test.");
        var references = new TenantGrainReferences(fixture.Cluster.Client);

        foreach (var tenant in new[] { first, second })
        {
            var reference = references.Get(tenant.Id);
            Assert.Equal(fixture.Cluster.Client.GetGrain<ITenantGrain>(tenant.Id).GetGrainId(), reference.GetGrainId());
            Assert.Null(await reference.CheckAccessAsync(tenant.Domain));
        }
        Assert.NotNull(await references.Get(first.Id).CheckAccessAsync(second.Domain));
    }
}
