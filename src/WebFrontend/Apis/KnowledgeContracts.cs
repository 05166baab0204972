namespace TenantChat.WebFrontend.Apis;

// The response bodies of KnowledgeApi.

public sealed record class KnowledgeSearchResponse(IReadOnlyList<KnowledgeHitResponse> Items);

/// <summary>A search result: <see cref="Id"/> is the customer-data id; <see cref="Score"/> is defined in docs/behaviour.md.</summary>
public sealed record class KnowledgeHitResponse(Guid Id, string Title, string Snippet, double Score);
