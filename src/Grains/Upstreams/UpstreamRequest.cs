using TenantChat.Grains.Models;

namespace TenantChat.Grains.Upstreams;

/// <summary>What goes upstream for one call: the tenant's system parameter, earlier turns and the new prompt.</summary>
public sealed record class UpstreamRequest(
    string SystemPrompt,
    IReadOnlyList<ConversationTurn> Context,
    string Prompt,
    string Model,
    int? Seed,
    int MaxOutputTokens);
