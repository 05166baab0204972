namespace TenantChat.Grains.Models;

/// <summary>One exported row: its table and the row as a JSON object (text).</summary>
[GenerateSerializer, Immutable]
public sealed record class ExportRow([property: Id(0)] string Table, [property: Id(1)] string RowJson);
