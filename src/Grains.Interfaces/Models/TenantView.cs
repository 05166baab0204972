namespace TenantChat.Grains.Models;

/// <summary>
/// A tenant as the operator sees it: its settings and its usage in the current budget period.
/// <see cref="NewWebhookSecret"/> is set only in the answer to the change that created the secret: it is shown once.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record class TenantView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] TenantSettings Settings,
    [property: Id(2)] long TokensUsed,
    [property: Id(3)] long Calls,
    [property: Id(4)] DateTimeOffset PeriodStart,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] int Version,
    [property: Id(7)] string? NewWebhookSecret = null)
{
    public long TokensRemaining => Math.Max(0, Settings.TokenLimit - TokensUsed);
}
