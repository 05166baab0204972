using TenantChat.Grains.Models;

namespace TenantChat.Grains.Persistence;

/// <summary>A row of <c>tenants</c>: settings plus the tenant's running usage totals.</summary>
public sealed record class TenantRecord(
    Guid Id,
    TenantSettings Settings,
    TenantUsage Usage,
    DateTimeOffset CreatedAt,
    int Version)
{
    public TenantView ToView(DateTimeOffset now)
    {
        var usage = Usage.AsOf(now);
        return new TenantView(Id, Settings, usage.TokensUsed, usage.Calls, usage.PeriodStart, CreatedAt, Version);
    }
}
