using TenantChat.Grains.Accounts;

namespace TenantChat.Tests.Accounts;

public sealed class SignInThrottleTests
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;

        public void Advance(double seconds) => Now += TimeSpan.FromSeconds(seconds);
    }

    private readonly ManualClock _clock = new();

    private SignInThrottle Throttle(Action<SignInOptions>? configure = null)
    {
        var options = new SignInOptions { AddressBurst = 1000, AddressPerMinute = 1000 };
        configure?.Invoke(options);
        return new SignInThrottle(options, _clock);
    }

    [Fact]
    public void Five_failures_are_free_then_each_failure_doubles_the_wait_up_to_the_cap()
    {
        var throttle = Throttle(o => o.MaxBackoffSeconds = 20);
        for (var i = 0; i < 5; i++)
        {
            Assert.Null(throttle.TryBegin("a@x.test", "10.0.0.1"));
        }

        var waits = new List<int>();
        for (var i = 0; i < 7; i++)
        {
            Assert.Null(throttle.TryBegin("a@x.test", "10.0.0.1"));
            var wait = throttle.TryBegin("a@x.test", "10.0.0.1");
            Assert.NotNull(wait);
            waits.Add(wait.Value);
            _clock.Advance(wait.Value);
        }

        Assert.Equal([1, 2, 4, 8, 16, 20, 20], waits);
    }

    [Fact]
    public void Attempts_count_as_failures_until_they_succeed_so_parallel_guesses_cannot_slip_through()
    {
        var throttle = Throttle();

        var admitted = Enumerable.Range(0, 48).Count(_ => throttle.TryBegin("a@x.test", "10.0.0.1") is null);

        Assert.Equal(6, admitted);
    }

    [Fact]
    public void A_success_forgets_the_failures_and_other_emails_are_not_affected()
    {
        var throttle = Throttle();
        for (var i = 0; i < 6; i++)
        {
            throttle.TryBegin("a@x.test", "10.0.0.1");
        }
        Assert.NotNull(throttle.TryBegin("a@x.test", "10.0.0.1"));
        Assert.Null(throttle.TryBegin("b@x.test", "10.0.0.1"));

        _clock.Advance(1);
        Assert.Null(throttle.TryBegin("a@x.test", "10.0.0.1"));
        throttle.Succeeded("a@x.test");

        for (var i = 0; i < 5; i++)
        {
            Assert.Null(throttle.TryBegin("a@x.test", "10.0.0.1"));
        }
    }

    [Fact]
    public void Failures_are_forgotten_after_a_quiet_period()
    {
        var throttle = Throttle(o => o.ForgetFailuresAfterSeconds = 600);
        for (var i = 0; i < 6; i++)
        {
            throttle.TryBegin("a@x.test", "10.0.0.1");
        }

        _clock.Advance(601);

        for (var i = 0; i < 5; i++)
        {
            Assert.Null(throttle.TryBegin("a@x.test", "10.0.0.1"));
        }
    }

    [Fact]
    public void One_address_trying_many_emails_is_held_to_its_bucket_and_other_addresses_are_not()
    {
        var throttle = Throttle(o =>
        {
            o.AddressBurst = 20;
            o.AddressPerMinute = 10;
        });

        var admitted = Enumerable.Range(0, 30).Count(i => throttle.TryBegin($"user{i}@x.test", "10.0.0.1") is null);
        var wait = throttle.TryBegin("another@x.test", "10.0.0.1");

        Assert.Equal(20, admitted);
        Assert.Equal(6, wait);
        Assert.Null(throttle.TryBegin("another@x.test", "10.0.0.2"));
        _clock.Advance(6);
        Assert.Null(throttle.TryBegin("another@x.test", "10.0.0.1"));
    }

    [Fact]
    public void Memory_stays_bounded_whatever_is_sent()
    {
        var throttle = Throttle(o =>
        {
            o.MaxTracked = 100;
            o.FreeFailures = 0;
        });

        // Every email locked (no failure is free), from ever new addresses: nothing is idle, yet memory is bounded.
        for (var i = 0; i < 10_000; i++)
        {
            throttle.TryBegin($"user{i}@x.test", $"10.0.{i / 256}.{i % 256}");
        }

        Assert.True(throttle.Tracked <= 200, $"{throttle.Tracked} entries tracked");
    }
}
