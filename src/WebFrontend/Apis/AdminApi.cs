using System.Buffers.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Admin;
using TenantChat.WebFrontend.Problems;

namespace TenantChat.WebFrontend.Apis;

/// <summary>The platform operator's API: create, list, read, change tenants and reset their usage.</summary>
public static class AdminApi
{
    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var tenants = app.MapGroup("api/admin/tenants").WithTags("Operator").RequireAuthorization(AdminKeyAuthentication.Policy);
        tenants.MapPost("", CreateTenantAsync);
        tenants.MapGet("", ListTenantsAsync);
        tenants.MapGet("{id:guid}", GetTenantAsync);
        tenants.MapPatch("{id:guid}", PatchTenantAsync);
        tenants.MapPost("{id:guid}/usage/reset", ResetUsageAsync);
        return app;
    }

    public static async Task<Results<Created<TenantResponse>, ApiProblem>> CreateTenantAsync(JsonObject body, IClusterClient orleans)
    {
        var reader = new TenantSettingsReader();
        if (reader.ReadNew(body) is not { } settings)
        {
            return ApiProblem.Validation(reader.Errors);
        }
        if (body.ContainsKey("admin_email") || body.ContainsKey("admin_password"))
        {
            return new ApiProblem(ProblemCode.ValidationFailed,
                "Creating a tenant admin account with the tenant is not available yet; create the tenant without admin_email/admin_password.");
        }
        var outcome = await orleans.GetGrain<ITenantGrain>(Guid.CreateVersion7()).CreateAsync(settings);
        return outcome.Succeeded
            ? TypedResults.Created($"/api/admin/tenants/{outcome.Value.Id}", TenantResponse.From(outcome.Value))
            : ApiProblem.From(outcome.Error);
    }

    public static async Task<Results<Ok<TenantListResponse>, ApiProblem>> ListTenantsAsync(int? limit, string? cursor, IClusterClient orleans)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            return new ApiProblem(ProblemCode.ValidationFailed, $"limit must be from 1 to {MaxPageSize}.");
        }
        Guid? after = null;
        if (cursor is not null)
        {
            if (!TryReadCursor(cursor, out var id))
            {
                return new ApiProblem(ProblemCode.ValidationFailed, "cursor is not a cursor this API returned.");
            }
            after = id;
        }
        var page = await orleans.GetGrain<ITenantDirectoryGrain>(0).ListAsync(limit ?? DefaultPageSize, after);
        return TypedResults.Ok(new TenantListResponse(
            [.. page.Items.Select(TenantResponse.From)], page.NextAfter is { } next ? WriteCursor(next) : null));
    }

    public static async Task<Results<Ok<TenantResponse>, ApiProblem>> GetTenantAsync(Guid id, IClusterClient orleans) =>
        await orleans.GetGrain<ITenantGrain>(id).GetAsync() is { } tenant
            ? TypedResults.Ok(TenantResponse.From(tenant))
            : new ApiProblem(ProblemCode.NotFound, "No tenant has this id.");

    public static async Task<Results<Ok<TenantResponse>, ApiProblem>> PatchTenantAsync(Guid id, JsonObject body, IClusterClient orleans)
    {
        var grain = orleans.GetGrain<ITenantGrain>(id);
        // Optimistic concurrency: a PATCH racing another one re-reads and applies its fields again.
        for (var attempt = 0; ; attempt++)
        {
            if (await grain.GetAsync() is not { } current)
            {
                return new ApiProblem(ProblemCode.NotFound, "No tenant has this id.");
            }
            var reader = new TenantSettingsReader();
            if (reader.ReadPatch(body, current.Settings) is not { } settings)
            {
                return ApiProblem.Validation(reader.Errors);
            }
            var outcome = await grain.UpdateSettingsAsync(settings, current.Version);
            if (outcome.Succeeded)
            {
                return TypedResults.Ok(TenantResponse.From(outcome.Value));
            }
            if (outcome.Error.Code != ProblemCode.Conflict || attempt == 3 || settings.Domain != current.Settings.Domain)
            {
                return ApiProblem.From(outcome.Error);
            }
        }
    }

    public static async Task<Results<Ok<TenantResponse>, ApiProblem>> ResetUsageAsync(Guid id, IClusterClient orleans)
    {
        var outcome = await orleans.GetGrain<ITenantGrain>(id).ResetUsageAsync();
        return outcome.Succeeded ? TypedResults.Ok(TenantResponse.From(outcome.Value)) : ApiProblem.From(outcome.Error);
    }

    private static string WriteCursor(Guid after) => Base64Url.EncodeToString(after.ToByteArray());

    private static bool TryReadCursor(string cursor, out Guid after)
    {
        after = Guid.Empty;
        var bytes = new byte[16];
        if (!Base64Url.IsValid(cursor, out var length) || length != 16 || !Base64Url.TryDecodeFromChars(cursor, bytes, out _))
        {
            return false;
        }
        after = new Guid(bytes);
        return true;
    }
}
