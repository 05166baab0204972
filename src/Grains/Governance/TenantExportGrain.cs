using System.Runtime.CompilerServices;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;

namespace TenantChat.Grains.Governance;

/// <summary>
/// Keyed by the tenant, not a stateless worker: the rows of one export are pulled batch by batch from the
/// activation that holds the open database cursor, which a pool of interchangeable workers could not promise.
/// </summary>
public sealed class TenantExportGrain(TenantDataStore data, TenantDatabase db) : Grain, ITenantExportGrain
{
    public async IAsyncEnumerable<ExportRow> ExportAsync()
    {
        var tenantId = this.GetPrimaryKey();
        var target = AuditActions.TenantTarget(tenantId);
        await AuditLog.InTransactionAsync(db, tenantId, (_, _) => Task.FromResult(true), _ => AuditEntry.ByCaller(tenantId, AuditActions.TenantExported, target));
        await foreach (var (table, row) in data.ExportAsync(tenantId))
        {
            yield return new ExportRow(table, row);
        }
    }
}
