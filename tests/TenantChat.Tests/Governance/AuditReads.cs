using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Governance;

/// <summary>A tenant's audit log as the operator reads it.</summary>
internal static class AuditReads
{
    /// <summary>The tenant's entries (up to 200), oldest first.</summary>
    public static async Task<List<JsonObject>> AuditEntriesAsync(this ClusterFixture fixture, Guid tenantId)
    {
        using var operatorClient = fixture.OperatorClient();
        var page = await operatorClient.GetFromJsonAsync<JsonObject>($"api/admin/audit?tenant_id={tenantId}&limit=200");
        return [.. page!["items"]!.AsArray().Select(e => e!.AsObject()).Reverse()];
    }

    public static async Task<JsonObject> VerifyAuditAsync(this ClusterFixture fixture, Guid tenantId)
    {
        using var operatorClient = fixture.OperatorClient();
        return (await operatorClient.GetFromJsonAsync<JsonObject>($"api/admin/audit/verify?tenant_id={tenantId}"))!;
    }
}
