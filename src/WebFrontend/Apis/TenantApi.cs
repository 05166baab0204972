using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Accounts;
using TenantChat.WebFrontend.Admin;
using TenantChat.WebFrontend.Problems;
using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.WebFrontend.Apis;

/// <summary>
/// The tenant's usage in the current period; <see cref="CacheHits"/> of its <see cref="Calls"/> were answered from its
/// cache; <see cref="CostUsd"/> is what its stored messages of the period cost.
/// </summary>
public sealed record class UsageResponse(long TokensUsed, long TokenLimit, long TokensRemaining, long Calls, DateTimeOffset PeriodStart, long CacheHits,
    decimal CostUsd);

/// <summary>The tenant's own view of itself: usage for its users, settings for its admins.</summary>
public static class TenantApi
{
    public static IEndpointRouteBuilder MapTenantApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("api/usage", GetUsageAsync).WithTags("Tenant").RequireAuthorization(TenantAuthentication.UserPolicy);
        var tenant = app.MapGroup("api/tenant").WithTags("Tenant").RequireAuthorization(TenantAuthentication.AdminPolicy);
        tenant.MapGet("", GetTenantAsync);
        tenant.MapPut("settings", PutSettingsAsync);
        return app;
    }

    public static async Task<Results<Ok<UsageResponse>, ApiProblem>> GetUsageAsync(HttpContext httpContext, IClusterClient orleans)
    {
        if (await Grain(httpContext, orleans).GetAsync() is not { } tenant)
        {
            return Gone();
        }
        var cacheHits = orleans.GetGrain<IChatHistoryGrain>(0).CountCacheHitsAsync(tenant.Id, tenant.PeriodStart);
        var cost = orleans.GetGrain<IUsageReportGrain>(0).CostSinceAsync(tenant.Id, tenant.PeriodStart);
        return TypedResults.Ok(new UsageResponse(tenant.TokensUsed, tenant.Settings.TokenLimit, tenant.TokensRemaining, tenant.Calls,
            tenant.PeriodStart, await cacheHits, await cost));
    }

    public static async Task<Results<Ok<TenantResponse>, ApiProblem>> GetTenantAsync(HttpContext httpContext, IClusterClient orleans) =>
        await Grain(httpContext, orleans).GetAsync() is { } tenant ? TypedResults.Ok(TenantResponse.From(tenant)) : Gone();

    /// <summary>Changes the fields given; the next chat call, on any silo, uses them.</summary>
    public static Task<Results<Ok<TenantResponse>, ApiProblem>> PutSettingsAsync(JsonObject body, HttpContext httpContext, IClusterClient orleans) =>
        TenantSettingsUpdate.ApplyAsync(Grain(httpContext, orleans), body, TenantSettingsReader.TenantAdminFields);

    private static ITenantGrain Grain(HttpContext httpContext, IClusterClient orleans) => orleans.GetGrain<ITenantGrain>(httpContext.Tenant().TenantId);

    private static ApiProblem Gone() => new(ProblemCode.UnknownTenant, "No tenant is served on this host.");
}
