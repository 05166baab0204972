using System.Collections.Immutable;

namespace TenantChat.Grains.Models;

/// <summary>A tenant's usage alerts: where to POST events, and the percentages of <c>token_limit</c> that fire one.</summary>
[GenerateSerializer, Immutable]
public sealed record class AlertSettings([property: Id(0)] string WebhookUrl, [property: Id(1)] ImmutableArray<int> Thresholds)
{
    public const int MaxThresholds = 10;
    public const int MaxThresholdPercent = 1000;
    public const int MaxUrlLength = 2048;
}
