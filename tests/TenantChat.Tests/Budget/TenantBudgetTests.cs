using TenantChat.Grains.Persistence;
using TenantChat.Grains.Tenants;

namespace TenantChat.Tests.Budget;

public sealed class TenantBudgetTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static TenantBudget Budget(long used)
    {
        var budget = new TenantBudget();
        budget.Load(new TenantUsage(used, 0, BudgetPeriod.MonthStart(Now)));
        return budget;
    }

    [Fact]
    public void A_reservation_holds_the_prompt_and_the_full_allowance_when_it_fits()
    {
        var budget = Budget(used: 0);

        var reservation = budget.TryReserve(tokenLimit: 1000, promptTokens: 100, maxOutputTokens: 200, Now);

        Assert.Equal(new Reservation(100, 200), reservation);
        Assert.Equal(300, budget.Reserved);
    }

    [Fact]
    public void Reservations_in_flight_count_against_the_limit()
    {
        var budget = Budget(used: 500);
        Assert.NotNull(budget.TryReserve(1000, 100, 200, Now));
        Assert.NotNull(budget.TryReserve(1000, 100, 50, Now));

        // 500 used + 450 reserved: 50 remain, less than the prompt.
        Assert.Null(budget.TryReserve(1000, 60, 200, Now));
    }

    [Fact]
    public void The_last_call_may_get_a_smaller_allowance_but_never_below_the_minimum()
    {
        var budget = Budget(used: 900);

        Assert.Equal(new Reservation(50, 50), budget.TryReserve(1000, 50, 200, Now));
        Assert.Null(budget.TryReserve(1000, 0, 200, Now)); // nothing left at all
    }

    [Fact]
    public void A_call_that_leaves_less_than_the_minimum_completion_is_refused()
    {
        var budget = Budget(used: 0);

        Assert.Null(budget.TryReserve(100, 100 - TenantBudget.MinimumCompletionTokens + 1, 200, Now));
        Assert.NotNull(budget.TryReserve(100, 100 - TenantBudget.MinimumCompletionTokens, 200, Now));
    }

    [Fact]
    public void A_call_is_never_given_an_allowance_cut_short_by_calls_in_flight()
    {
        var budget = Budget(used: 0);
        Assert.NotNull(budget.TryReserve(1000, 100, 600, Now));

        // 300 tokens are free, enough for the prompt and a cut allowance; the call waits for its whole one instead.
        Assert.Null(budget.TryReserve(1000, 100, 600, Now));
        Assert.False(budget.CanNeverFit(1000, 100, 600, Now));
    }

    [Fact]
    public void Only_a_call_that_would_not_fit_even_if_calls_in_flight_charged_nothing_can_never_fit()
    {
        var budget = Budget(used: 900);
        Assert.NotNull(budget.TryReserve(1000, 50, 200, Now));

        Assert.False(budget.CanNeverFit(1000, 100 - TenantBudget.MinimumCompletionTokens, 200, Now));
        Assert.True(budget.CanNeverFit(1000, 100 - TenantBudget.MinimumCompletionTokens + 1, 200, Now));
        Assert.False(budget.CanNeverFit(1000, 95, 5, Now)); // a call allowed to generate only 5 needs only 5
    }

    [Fact]
    public void Releasing_returns_the_reservation()
    {
        var budget = Budget(used: 0);
        var reservation = budget.TryReserve(300, 100, 200, Now)!.Value;
        Assert.Null(budget.TryReserve(300, 100, 200, Now));

        budget.Release(reservation);

        Assert.Equal(0, budget.Reserved);
        Assert.NotNull(budget.TryReserve(300, 100, 200, Now));
    }

    [Fact]
    public void A_new_month_starts_from_zero()
    {
        var budget = Budget(used: 1000);
        var nextMonth = new DateTimeOffset(2026, 12, 1, 0, 0, 1, TimeSpan.Zero);

        Assert.Null(budget.TryReserve(1000, 10, 100, Now));
        Assert.NotNull(budget.TryReserve(1000, 10, 100, nextMonth));
        Assert.Equal(new TenantUsage(0, 0, new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)), budget.Committed.AsOf(nextMonth));
    }

    [Fact]
    public void A_reset_inside_the_month_is_kept_as_the_period_start()
    {
        var reset = new TenantUsage(0, 0, Now);

        Assert.Equal(reset, reset.AsOf(Now.AddDays(3)));
    }

    [Fact]
    public void A_spent_budget_says_when_to_retry_only_when_the_month_ends_within_the_hour()
    {
        Assert.Null(BudgetPeriod.RetryAfterSeconds(Now));
        Assert.Equal(600, BudgetPeriod.RetryAfterSeconds(new DateTimeOffset(2026, 11, 30, 23, 50, 0, TimeSpan.Zero)));
        Assert.Null(BudgetPeriod.RetryAfterSeconds(new DateTimeOffset(2026, 11, 30, 22, 59, 0, TimeSpan.Zero)));
    }
}
