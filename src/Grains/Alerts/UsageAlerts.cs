using System.Data.Common;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;

namespace TenantChat.Grains.Alerts;

/// <summary>
/// One tenant's threshold crossings, decided in its grain after each commit: a threshold fires when the period's
/// committed usage reaches that percentage of <c>token_limit</c>. The grain remembers what fired this activation, to
/// skip the database on every later call; the database's key makes it once per period across the cluster and restarts.
/// </summary>
public sealed class UsageAlerts(Guid tenantId, WebhookOutboxStore outbox, ILogger logger)
{
    private readonly HashSet<(DateTimeOffset PeriodStart, int Threshold)> _fired = [];

    /// <summary>A new secret when a webhook is set or moved to another URL; null when the current one stays.</summary>
    public static string? NewSecretIfNeeded(AlertSettings? before, AlertSettings? after) =>
        after is not null && (before is null || before.WebhookUrl != after.WebhookUrl)
            ? "whsec_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))
            : null;

    public async Task CheckAsync(TenantSettings settings, TenantUsage usage, DateTimeOffset now)
    {
        if (settings.Alerts is not { } alerts || settings.TokenLimit <= 0)
        {
            return;
        }
        foreach (var threshold in alerts.Thresholds)
        {
            // Integer arithmetic: 80% of 1,000 is reached at exactly 800 tokens.
            if (usage.TokensUsed * 100 < threshold * settings.TokenLimit || !_fired.Add((usage.PeriodStart, threshold)))
            {
                continue;
            }
            try
            {
                if (await outbox.FireThresholdAsync(tenantId, usage.PeriodStart, threshold, usage.TokensUsed, settings.TokenLimit, alerts.WebhookUrl, now))
                {
                    logger.LogInformation("Tenant {TenantId}: usage crossed {Threshold}% of its limit; alert queued", tenantId, threshold);
                }
            }
            catch (DbException e)
            {
                // Not recorded: the next commit tries again.
                _fired.Remove((usage.PeriodStart, threshold));
                logger.LogWarning("Tenant {TenantId}: could not queue the {Threshold}% alert ({Failure})", tenantId, threshold, e.GetType().Name);
            }
        }
    }
}
