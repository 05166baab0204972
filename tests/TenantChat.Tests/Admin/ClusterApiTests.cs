using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Admin;

/// <summary>The operator's per-silo view of the cluster (an extension of the contract, for the operator console).</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterApiTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Operator_lists_every_silo_with_its_status_and_nobody_else_can()
    {
        using var operatorClient = fixture.OperatorClient();
        var silos = (await operatorClient.GetFromJsonAsync<JsonObject>("api/admin/cluster/silos"))!["items"]!.AsArray();
        var active = silos.Where(silo => silo!["status"]!.GetValue<string>() == "active").ToList();
        Assert.Equal(fixture.Cluster.GetActiveSilos().Count(), active.Count);
        var ports = fixture.Cluster.GetActiveSilos().Select(silo => silo.SiloAddress.Endpoint.Port).Order();
        Assert.Equal(ports, active.Select(silo => int.Parse(silo!["address"]!.GetValue<string>().Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture)).Order());
        Assert.All(active, silo =>
        {
            Assert.False(string.IsNullOrEmpty(silo!["name"]!.GetValue<string>()));
            Assert.True(silo["started_at"]!.GetValue<DateTimeOffset>() <= DateTimeOffset.UtcNow.AddMinutes(1));
        });

        using var anonymous = fixture.ClientFor("admin.test");
        using var refused = await anonymous.GetAsync("api/admin/cluster/silos");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        var (_, admin) = await fixture.CreateTenantWithAdminAsync("Cluster API tenant");
        using (admin)
        {
            using var tenantAdmin = await admin.GetAsync("api/admin/cluster/silos");
            Assert.Equal(HttpStatusCode.Unauthorized, tenantAdmin.StatusCode);
        }
    }
}
