using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Accounts;
using TenantChat.WebFrontend.Apis.Chat;
using TenantChat.WebFrontend.Admin;
using TenantChat.WebFrontend.Problems;
using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.WebFrontend.Apis;

/// <summary>The tenant's own view of itself: usage for its users, settings for its admins.</summary>
public static class TenantApi
{
    public static IEndpointRouteBuilder MapTenantApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("api/usage", GetUsageAsync).ForTenantHost().WithTags("Tenant").RequireAuthorization(TenantAuthentication.UserPolicy);
        var tenant = app.MapGroup("api/tenant").ForTenantHost().WithTags("Tenant").RequireAuthorization(TenantAuthentication.AdminPolicy);
        tenant.MapGet("", GetTenantAsync);
        tenant.MapPut("settings", PutSettingsAsync);
        tenant.MapGet("system-preview", PreviewSystemAsync);
        return app;
    }

    public static async Task<Results<Ok<UsageResponse>, ApiProblem>> GetUsageAsync(HttpContext httpContext, IClusterClient orleans)
    {
        if (await Grain(httpContext, orleans).GetAsync() is not { } tenant)
        {
            return Gone();
        }
        var cache = orleans.GetGrain<IChatHistoryGrain>(0).CountCacheHitsAsync(tenant.Id, tenant.PeriodStart);
        var cost = orleans.GetGrain<IUsageReportGrain>(0).CostSinceAsync(tenant.Id, tenant.PeriodStart);
        var (hits, tokensSaved) = await cache;
        return TypedResults.Ok(new UsageResponse(tenant.TokensUsed, tenant.Settings.TokenLimit, tenant.TokensRemaining, tenant.Calls,
            tenant.PeriodStart, hits, tokensSaved, await cost));
    }

    public static async Task<Results<Ok<TenantResponse>, ApiProblem>> GetTenantAsync(HttpContext httpContext, IClusterClient orleans) =>
        await Grain(httpContext, orleans).GetAsync() is { } tenant ? TypedResults.Ok(TenantResponse.From(tenant)) : Gone();

    /// <summary>Changes the fields given; the next chat call, on any silo, uses them.</summary>
    public static Task<Results<Ok<TenantResponse>, ApiProblem>> PutSettingsAsync(JsonObject body, HttpContext httpContext, IClusterClient orleans) =>
        TenantSettingsUpdate.ApplyAsync(Grain(httpContext, orleans), body, TenantSettingsReader.TenantAdminFields);

    /// <summary>Exactly the system parameter a call with <paramref name="prompt"/> would send upstream now, for the tenant's admin.</summary>
    public static async Task<Results<Ok<SystemPreviewResponse>, ApiProblem>> PreviewSystemAsync(
        string? prompt, HttpContext httpContext, IClusterClient orleans, IOptions<ChatOptions> options)
    {
        prompt ??= "";
        if (prompt.Trim().EnumerateRunes().Count() > options.Value.MaxPromptChars || StoredText.HasNul(prompt))
        {
            return ApiProblem.Validation(new Dictionary<string, string[]>
            {
                ["prompt"] = [$"prompt must be at most {options.Value.MaxPromptChars} characters, without NUL."],
            });
        }
        return await Grain(httpContext, orleans).PreviewSystemAsync(prompt) is { } preview
            ? TypedResults.Ok(new SystemPreviewResponse(preview.System, preview.Tokens, SourceBody.From(preview.Sources)))
            : Gone();
    }

    private static ITenantGrain Grain(HttpContext httpContext, IClusterClient orleans) => orleans.GetGrain<ITenantGrain>(httpContext.Tenant().TenantId);

    private static ApiProblem Gone() => ApiProblem.From(ServiceError.UnknownHost);
}
