using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Accounts;
using TenantChat.WebFrontend.Admin;
using TenantChat.WebFrontend.Problems;
using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.WebFrontend.Apis;

public sealed record class DailyUsageResponse(IReadOnlyList<DailyUsageItem> Items);

public sealed record class DailyUsageItem(string Date, string Model, long Calls, long Tokens, decimal CostUsd);

/// <summary>
/// Daily rollups by model, summed by the database: a tenant's users see their tenant's, the operator any tenant's or
/// all tenants' together. <c>Accept: text/csv</c> gets the same rows as CSV.
/// </summary>
public static class UsageApi
{
    /// <summary>The longest period one request may ask for, and the one given when the caller gives none.</summary>
    private const int MaxDays = 366;
    private const int DefaultDays = 30;

    public static IEndpointRouteBuilder MapUsageApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("api/usage/daily", GetOwnDailyAsync).ForTenantHost().WithTags("Tenant").RequireAuthorization(TenantAuthentication.UserPolicy);
        app.MapGet("api/admin/usage/daily", GetDailyAsync).WithTags("Operator").RequireAuthorization(AdminKeyAuthentication.Policy);
        return app;
    }

    public static Task<IResult> GetOwnDailyAsync(string? from, string? to, HttpContext httpContext, IClusterClient orleans, TimeProvider clock) =>
        DailyAsync(httpContext.Tenant().TenantId, from, to, httpContext, orleans, clock);

    public static async Task<IResult> GetDailyAsync([FromQuery(Name = "tenant_id")] string? tenantId, string? from, string? to,
        HttpContext httpContext, IClusterClient orleans, TimeProvider clock)
    {
        if (tenantId is not null && !Guid.TryParse(tenantId, out _))
        {
            return Invalid("tenant_id", "tenant_id must be a tenant's id.");
        }
        return await DailyAsync(tenantId is null ? null : Guid.Parse(tenantId), from, to, httpContext, orleans, clock);
    }

    private static async Task<IResult> DailyAsync(Guid? tenantId, string? from, string? to, HttpContext httpContext, IClusterClient orleans, TimeProvider clock)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        if (!TryReadDate(to, today, out var last))
        {
            return Invalid("to", "to must be a date, YYYY-MM-DD.");
        }
        if (!TryReadDate(from, last.AddDays(1 - DefaultDays), out var first))
        {
            return Invalid("from", "from must be a date, YYYY-MM-DD.");
        }
        if (first > last || last.DayNumber - first.DayNumber >= MaxDays)
        {
            return Invalid("from", $"from must be on or before to, and at most {MaxDays} days before it.");
        }
        var days = await orleans.GetGrain<IUsageReportGrain>(0).DailyAsync(tenantId, first, last);
        var items = days.Select(d => new DailyUsageItem(d.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), d.Model, d.Calls, d.Tokens, d.CostUsd)).ToArray();
        return WantsCsv(httpContext.Request) ? TypedResults.Text(Csv(items), "text/csv", Encoding.UTF8) : TypedResults.Ok(new DailyUsageResponse(items));
    }

    private static bool TryReadDate(string? text, DateOnly fallback, out DateOnly date)
    {
        date = fallback;
        return text is null || DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
    }

    private static bool WantsCsv(HttpRequest request) =>
        request.Headers.Accept.Any(value => value?.Contains("text/csv", StringComparison.OrdinalIgnoreCase) == true);

    /// <summary>RFC 4180: a header line, CRLF line ends, a field quoted when it holds a comma, quote or line break.</summary>
    private static string Csv(IEnumerable<DailyUsageItem> items)
    {
        var csv = new StringBuilder("date,model,calls,tokens,cost_usd\r\n");
        foreach (var item in items)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{item.Date},{Field(item.Model)},{item.Calls},{item.Tokens},{item.CostUsd}\r\n");
        }
        return csv.ToString();

        static string Field(string value) =>
            value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    private static ApiProblem Invalid(string field, string message) =>
        ApiProblem.Validation(new Dictionary<string, string[]> { [field] = [message] });
}
