namespace TenantChat.Grains.Models;

/// <summary>One row of <c>audit_log</c>; <see cref="ChangesJson"/> is the stored JSON object as text.</summary>
[GenerateSerializer, Immutable]
public sealed record class AuditEntryView(
    [property: Id(0)] long Id,
    [property: Id(1)] Guid TenantId,
    [property: Id(2)] long Seq,
    [property: Id(3)] string Actor,
    [property: Id(4)] string Action,
    [property: Id(5)] string Target,
    [property: Id(6)] string ChangesJson,
    [property: Id(7)] string? RequestId,
    [property: Id(8)] DateTimeOffset At,
    [property: Id(9)] string PrevHash,
    [property: Id(10)] string Hash);

/// <summary>The outcome of recomputing a tenant's chain: how many entries, and the first that does not match, if any.</summary>
[GenerateSerializer, Immutable]
public sealed record class AuditVerification(
    [property: Id(0)] bool Ok,
    [property: Id(1)] long Entries,
    [property: Id(2)] AuditEntryView? FirstBroken);
