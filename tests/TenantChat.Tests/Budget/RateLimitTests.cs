using System.Collections.Immutable;
using TenantChat.Grains.Models;
using TenantChat.Grains.Tenants;

namespace TenantChat.Tests.Budget;

public sealed class RateLimitTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static TenantSettings Settings(int? rpm = null, int? tpm = null) => new()
    {
        Name = "t", Domain = "t.test", SystemPrompt = "", TokenLimit = 1_000_000, Model = "m", AllowedModels = ImmutableArray.Create("m"),
        RateLimitRpm = rpm, RateLimitTpm = tpm,
    };

    [Fact]
    public void A_bucket_allows_a_burst_up_to_its_capacity_then_refills_at_the_per_minute_rate()
    {
        var bucket = new TokenBucket(60, Now);
        for (var i = 0; i < 60; i++)
        {
            Assert.True(bucket.TryTake(1, Now, out _));
        }

        Assert.False(bucket.TryTake(1, Now, out var wait));
        Assert.Equal(TimeSpan.FromSeconds(1), wait);
        Assert.True(bucket.TryTake(1, Now.AddSeconds(1), out _));
        Assert.False(bucket.TryTake(1, Now.AddSeconds(1), out _));
    }

    [Fact]
    public void Requests_per_minute_refuse_with_an_honest_retry_after()
    {
        var limits = new TenantRateLimits(maxConcurrentCalls: 100);
        var settings = Settings(rpm: 2);
        Assert.True(limits.TryAdmit(settings, 10, Now, out _));
        Assert.True(limits.TryAdmit(settings, 10, Now, out _));

        Assert.False(limits.TryAdmit(settings, 10, Now, out var retryAfter));

        // Two per minute: one more every 30 seconds.
        Assert.Equal(30, retryAfter);
        Assert.True(limits.TryAdmit(settings, 10, Now.AddSeconds(30), out _));
    }

    [Fact]
    public void Tokens_per_minute_count_the_reservation_and_refund_what_was_not_used()
    {
        var limits = new TenantRateLimits(maxConcurrentCalls: 100);
        var settings = Settings(tpm: 1000);
        Assert.True(limits.TryAdmit(settings, 800, Now, out _));
        Assert.False(limits.TryAdmit(settings, 800, Now, out _));

        limits.Complete(takenTokens: 800, usedTokens: 100);

        Assert.True(limits.TryAdmit(settings, 800, Now, out _));
    }

    [Fact]
    public void Calls_in_flight_are_capped_per_tenant()
    {
        var limits = new TenantRateLimits(maxConcurrentCalls: 2);
        var settings = Settings();
        Assert.True(limits.TryAdmit(settings, 1, Now, out _));
        Assert.True(limits.TryAdmit(settings, 1, Now, out _));

        Assert.False(limits.TryAdmit(settings, 1, Now, out var retryAfter));
        Assert.Equal(1, retryAfter);
        limits.Complete(1, 1);
        Assert.True(limits.TryAdmit(settings, 1, Now, out _));
    }

    [Fact]
    public void Changing_a_limit_takes_effect_at_once()
    {
        var limits = new TenantRateLimits(maxConcurrentCalls: 100);
        Assert.True(limits.TryAdmit(Settings(rpm: 1), 1, Now, out _));
        Assert.False(limits.TryAdmit(Settings(rpm: 1), 1, Now, out _));

        Assert.True(limits.TryAdmit(Settings(rpm: null), 1, Now, out _));
    }
}
