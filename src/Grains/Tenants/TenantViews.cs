using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;

namespace TenantChat.Grains.Tenants;

internal static class TenantViews
{
    /// <summary>The tenant as callers see it: usage in the current period, so a new month shows zero.</summary>
    public static TenantView ToView(this TenantRecord tenant, DateTimeOffset now)
    {
        var usage = tenant.Usage.AsOf(now);
        return new TenantView(tenant.Id, tenant.Settings, usage.TokensUsed, usage.Calls, usage.PeriodStart, tenant.CreatedAt, tenant.Version);
    }
}
