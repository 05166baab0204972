namespace TenantChat.Grains.Models;

/// <summary>One day's (UTC) stored calls of one model: how many, their tokens and their cost.</summary>
[GenerateSerializer, Immutable]
public sealed record class DailyUsage(
    [property: Id(0)] DateOnly Date,
    [property: Id(1)] string Model,
    [property: Id(2)] long Calls,
    [property: Id(3)] long Tokens,
    [property: Id(4)] decimal CostUsd);
