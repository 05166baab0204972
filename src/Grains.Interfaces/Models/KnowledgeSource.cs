namespace TenantChat.Grains.Models;

/// <summary>A customer-data item an answer drew on, with the score of its best chunk.</summary>
[GenerateSerializer, Immutable]
public sealed record class KnowledgeSource(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Title,
    [property: Id(2)] double Score);
