using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Accounts;
using TenantChat.WebFrontend.Admin;
using TenantChat.WebFrontend.Problems;

namespace TenantChat.WebFrontend.Apis;

/// <summary>The platform operator's API: create, list, read, change tenants and reset their usage.</summary>
public static class AdminApi
{
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
        var settings = reader.ReadNew(body);
        var admin = ReadFirstAdmin(body, reader.Errors);
        if (settings is null || reader.Errors.Count > 0)
        {
            return ApiProblem.Validation(reader.Errors);
        }
        var outcome = await orleans.GetGrain<ITenantGrain>(Guid.CreateVersion7()).CreateAsync(settings, admin);
        return outcome.Succeeded
            ? TypedResults.Created($"/api/admin/tenants/{outcome.Value.Id}", TenantResponse.From(outcome.Value))
            : ApiProblem.From(outcome.Error);
    }

    /// <summary>The tenant's first admin account, when <c>admin_email</c> and <c>admin_password</c> are given.</summary>
    private static NewAccount? ReadFirstAdmin(JsonObject body, IDictionary<string, string[]> errors)
    {
        if (!body.ContainsKey("admin_email") && !body.ContainsKey("admin_password"))
        {
            return null;
        }
        var email = AccountInput.Email(Text(body["admin_email"]), "admin_email", errors);
        var password = AccountInput.Password(Text(body["admin_password"]), "admin_password", errors);
        return email is null || password is null ? null : new NewAccount(email, password, null, AccountRole.Admin);

        static string? Text(JsonNode? node) => node?.GetValueKind() == System.Text.Json.JsonValueKind.String ? node.GetValue<string>() : null;
    }

    public static async Task<Results<Ok<PageResponse<TenantResponse>>, ApiProblem>> ListTenantsAsync(int? limit, string? cursor, IClusterClient orleans)
    {
        if (Cursors.TryReadPaging(limit, cursor, out var pageSize, out var after) is { } invalid)
        {
            return invalid;
        }
        var page = await orleans.GetGrain<ITenantDirectoryGrain>(0).ListAsync(pageSize, after);
        return TypedResults.Ok(new PageResponse<TenantResponse>([.. page.Items.Select(TenantResponse.From)], Cursors.Encode(page.Next)));
    }

    public static async Task<Results<Ok<TenantResponse>, ApiProblem>> GetTenantAsync(Guid id, IClusterClient orleans) =>
        await orleans.GetGrain<ITenantGrain>(id).GetAsync() is { } tenant
            ? TypedResults.Ok(TenantResponse.From(tenant))
            : new ApiProblem(ProblemCode.NotFound, "No tenant has this id.");

    public static Task<Results<Ok<TenantResponse>, ApiProblem>> PatchTenantAsync(Guid id, JsonObject body, IClusterClient orleans) =>
        TenantSettingsUpdate.ApplyAsync(orleans.GetGrain<ITenantGrain>(id), body, TenantSettingsReader.OperatorPatchFields);

    public static async Task<Results<Ok<TenantResponse>, ApiProblem>> ResetUsageAsync(Guid id, IClusterClient orleans)
    {
        var outcome = await orleans.GetGrain<ITenantGrain>(id).ResetUsageAsync();
        return outcome.Succeeded ? TypedResults.Ok(TenantResponse.From(outcome.Value)) : ApiProblem.From(outcome.Error);
    }
}
