using TenantChat.Grains.Models;

namespace TenantChat.Grains;

/// <summary>One tenant's export, keyed by the tenant's id: every row of it, streamed in batches as the database returns them.</summary>
public interface ITenantExportGrain : IGrainWithGuidKey
{
    /// <summary>Records the export in the audit log, then yields the rows; secret columns are left out.</summary>
    IAsyncEnumerable<ExportRow> ExportAsync();
}
