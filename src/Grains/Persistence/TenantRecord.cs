using TenantChat.Grains.Models;

namespace TenantChat.Grains.Persistence;

/// <summary>A row of <c>tenants</c>: settings plus the tenant's running usage totals.</summary>
public sealed record class TenantRecord(
    Guid Id,
    TenantSettings Settings,
    TenantUsage Usage,
    DateTimeOffset CreatedAt,
    int Version);
