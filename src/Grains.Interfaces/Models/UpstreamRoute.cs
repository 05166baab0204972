namespace TenantChat.Grains.Models;

/// <summary>
/// Where a tenant's calls go: one of the upstreams the platform operator configured (<c>Ai</c> is the one named
/// <c>default</c>, <c>Ai:Upstreams:{name}</c> the others) and the model to ask there. A fallback route without a
/// model asks for the model the call asked for.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record class UpstreamRoute([property: Id(0)] string Upstream, [property: Id(1)] string? Model = null)
{
    public const string DefaultUpstream = "default";

    /// <summary>Upstream names as configured and as tenants give them: 1 to 64 letters, digits, '-' or '_', lower case.</summary>
    public static bool IsValidUpstreamName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c) || c is '-' or '_');
}
