using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Admin;
using TenantChat.WebFrontend.Problems;

namespace TenantChat.WebFrontend.Apis;

/// <summary>The operator's data-rights routes: a tenant's every row exported as JSON Lines, or erased.</summary>
public static class TenantDataApi
{
    public const string JsonLines = "application/jsonl";

    public static IEndpointRouteBuilder MapTenantDataApi(this IEndpointRouteBuilder app)
    {
        var tenants = app.MapGroup("api/admin/tenants").WithTags("Operator").RequireAuthorization(AdminKeyAuthentication.Policy);
        tenants.MapGet("{id:guid}/export", ExportAsync);
        tenants.MapDelete("{id:guid}", DeleteAsync);
        return app;
    }

    /// <summary>One line per row, <c>{"table": ..., "row": {...}}</c>, written as the rows arrive: the tenant is never held in memory.</summary>
    public static async Task<IResult> ExportAsync(Guid id, HttpContext httpContext, IClusterClient orleans)
    {
        if (await orleans.GetGrain<ITenantGrain>(id).GetAsync() is null)
        {
            return NoSuchTenant();
        }
        var response = httpContext.Response;
        response.ContentType = JsonLines;
        response.Headers.ContentDisposition = $"attachment; filename=\"tenant-{id}.jsonl\"";
        await foreach (var row in orleans.GetGrain<ITenantExportGrain>(id).ExportAsync().WithCancellation(httpContext.RequestAborted))
        {
            await response.WriteAsync($"{{\"table\":{JsonSerializer.Serialize(row.Table)},\"row\":{row.RowJson}}}\n", Encoding.UTF8, httpContext.RequestAborted);
        }
        return Results.Empty;
    }

    public static async Task<Results<NoContent, ApiProblem>> DeleteAsync(Guid id, IClusterClient orleans) =>
        await orleans.GetGrain<ITenantGrain>(id).DeleteAsync() ? TypedResults.NoContent() : NoSuchTenant();

    private static ApiProblem NoSuchTenant() => new(ProblemCode.NotFound, "No tenant has this id.");
}
