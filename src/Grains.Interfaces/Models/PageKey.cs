namespace TenantChat.Grains.Models;

/// <summary>Where a page ends, for keyset paging: the last item's time (when ordered by time) and id.</summary>
[GenerateSerializer, Immutable]
public sealed record class PageKey([property: Id(0)] DateTimeOffset? At, [property: Id(1)] Guid Id);
