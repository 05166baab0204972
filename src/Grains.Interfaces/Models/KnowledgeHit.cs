namespace TenantChat.Grains.Models;

/// <summary>One search result: a customer-data item, the text of its best chunk, and that chunk's score.</summary>
[GenerateSerializer, Immutable]
public sealed record class KnowledgeHit(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Title,
    [property: Id(2)] string Snippet,
    [property: Id(3)] double Score);
