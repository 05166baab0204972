namespace TenantChat.Grains.Persistence;

/// <summary>
/// Tokens and calls counted since <see cref="PeriodStart"/>, as the <c>tenants</c> row holds them. When a period
/// ends is the budget's rule (<see cref="Tenants.BudgetPeriod"/>).
/// </summary>
public readonly record struct TenantUsage(long TokensUsed, long Calls, DateTimeOffset PeriodStart);
