namespace TenantChat.Grains.Models;

[GenerateSerializer, Immutable]
public sealed record class TokenUsage(
    [property: Id(0)] int PromptTokens,
    [property: Id(1)] int CompletionTokens)
{
    public int TotalTokens => PromptTokens + CompletionTokens;
}
