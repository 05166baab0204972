using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Accounts;
using TenantChat.WebFrontend.Admin;
using TenantChat.WebFrontend.Governance;
using TenantChat.WebFrontend.Problems;
using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.WebFrontend.Apis;

/// <summary>The audit log: the operator reads any tenant's (or all) and verifies a chain; a tenant admin reads their own.</summary>
public static class AuditApi
{
    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("api/admin/audit").WithTags("Operator").RequireAuthorization(AdminKeyAuthentication.Policy);
        admin.MapGet("", ListAsync);
        admin.MapGet("verify", VerifyAsync);
        app.MapGet("api/tenant/audit", ListOwnAsync).ForTenantHost().WithTags("Tenant").RequireAuthorization(TenantAuthentication.AdminPolicy);
        return app;
    }

    public static async Task<Results<Ok<PageResponse<AuditEntryResponse>>, ApiProblem>> ListAsync(
        [FromQuery(Name = "tenant_id")] string? tenantId, int? limit, string? cursor, IClusterClient orleans)
    {
        if (tenantId is not null && !Guid.TryParse(tenantId, out _))
        {
            return Invalid("tenant_id", "tenant_id must be a tenant's id.");
        }
        return await PageAsync(orleans, tenantId is null ? null : Guid.Parse(tenantId), limit, cursor);
    }

    public static Task<Results<Ok<PageResponse<AuditEntryResponse>>, ApiProblem>> ListOwnAsync(
        int? limit, string? cursor, HttpContext httpContext, IClusterClient orleans) =>
        PageAsync(orleans, httpContext.Tenant().TenantId, limit, cursor);

    public static async Task<Results<Ok<AuditVerifyResponse>, ApiProblem>> VerifyAsync(
        [FromQuery(Name = "tenant_id")] string? tenantId, IClusterClient orleans)
    {
        if (!Guid.TryParse(tenantId, out var id))
        {
            return Invalid("tenant_id", "tenant_id is required: the tenant whose chain to verify.");
        }
        var result = await orleans.GetGrain<IAuditLogGrain>(0).VerifyAsync(id);
        return TypedResults.Ok(new AuditVerifyResponse(result.Ok, result.Entries,
            result.FirstBroken is { } broken ? AuditEntryResponse.From(broken) : null));
    }

    private static async Task<Results<Ok<PageResponse<AuditEntryResponse>>, ApiProblem>> PageAsync(
        IClusterClient orleans, Guid? tenantId, int? limit, string? cursor)
    {
        var pageSize = limit ?? DefaultPageSize;
        if (pageSize is < 1 or > MaxPageSize)
        {
            return Invalid("limit", $"limit must be from 1 to {MaxPageSize}.");
        }
        if (!AuditCursor.TryDecode(cursor, out var before))
        {
            return Invalid("cursor", "cursor is not a cursor this API returned.");
        }
        // One extra entry tells whether there is a next page.
        var entries = await orleans.GetGrain<IAuditLogGrain>(0).ListAsync(tenantId, pageSize + 1, before);
        var page = entries.Take(pageSize).Select(AuditEntryResponse.From).ToArray();
        var next = entries.Count > pageSize ? AuditCursor.Encode(page[^1].Id) : null;
        return TypedResults.Ok(new PageResponse<AuditEntryResponse>(page, next));
    }

    private static ApiProblem Invalid(string field, string message) =>
        ApiProblem.Validation(new Dictionary<string, string[]> { [field] = [message] });
}
