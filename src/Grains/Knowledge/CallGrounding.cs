using System.Collections.Immutable;
using TenantChat.Grains.Models;
using TenantChat.Grains.Tenants;

namespace TenantChat.Grains.Knowledge;

/// <summary>
/// What a chat call brings to admission from knowledge and the semantic cache: the system parameter with the
/// knowledge appended (null: the tenant's assembly as it is), the items in it, and the prompt's embedding (null:
/// no semantic cache for this call).
/// </summary>
public sealed record class CallGrounding(AssembledSystem? System, ImmutableArray<KnowledgeSource> Sources, float[]? PromptVector)
{
    public static readonly CallGrounding None = new(null, [], null);
}
