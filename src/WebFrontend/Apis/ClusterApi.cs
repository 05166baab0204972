using Orleans.Runtime;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Admin;
using TenantChat.WebFrontend.Problems;

namespace TenantChat.WebFrontend.Apis;

/// <summary>One silo as the cluster's membership table has it; <see cref="Status"/> is Orleans' own word, lower case.</summary>
public sealed record class SiloResponse(string Address, string Name, string HostName, string Status, DateTimeOffset StartedAt, DateTimeOffset LastAliveAt);

public sealed record class SilosResponse(IReadOnlyList<SiloResponse> Items);

/// <summary>
/// An extension of the contract for the operator console's cluster health: every silo of the membership table,
/// with its status, read from Orleans' management grain. Operator only; it names machines, never tenants.
/// </summary>
public static class ClusterApi
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("api/admin/cluster/silos", ListSilosAsync).WithTags("Operator").RequireAuthorization(AdminKeyAuthentication.Policy);
        return app;
    }

    public static async Task<IResult> ListSilosAsync(IClusterClient orleans, HttpContext httpContext)
    {
        MembershipEntry[] entries;
        try
        {
            entries = await orleans.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false)
                .WaitAsync(Patience, httpContext.RequestAborted);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            return new ApiProblem(ProblemCode.Unavailable, "The cluster does not answer; try again shortly.", retryAfterSeconds: 5);
        }
        var silos = entries
            .OrderBy(entry => entry.Status == SiloStatus.Dead)
            .ThenBy(entry => entry.SiloName, StringComparer.Ordinal)
            .ThenBy(entry => entry.SiloAddress.Endpoint.ToString(), StringComparer.Ordinal)
            .Select(entry => new SiloResponse(entry.SiloAddress.Endpoint.ToString(), entry.SiloName ?? "", entry.HostName ?? "",
                entry.Status.ToString().ToLowerInvariant(), Utc(entry.StartTime), Utc(entry.IAmAliveTime)))
            .ToArray();
        return TypedResults.Ok(new SilosResponse(silos));
    }

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}
