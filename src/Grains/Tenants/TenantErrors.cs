using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;

namespace TenantChat.Grains.Tenants;

/// <summary>What a tenant's grain answers when it refuses; every text here is safe to show a caller.</summary>
internal static class TenantErrors
{
    public static ServiceError AlreadyExists { get; } = new(ProblemCode.Conflict, "A tenant with this id already exists.");

    public static ServiceError ChangedConcurrently { get; } = new(ProblemCode.Conflict, "The tenant was changed concurrently; read it again.");

    public static ServiceError NotFound { get; } = new(ProblemCode.NotFound, "No tenant has this id.");

    public static ServiceError Suspended { get; } = new(ProblemCode.TenantSuspended, "This tenant is suspended.");

    public static ServiceError NoSuchConversation { get; } = new(ProblemCode.NotFound, "No such conversation.");

    public static ServiceError StreamLost { get; } = new(ProblemCode.Unavailable, "The service moved while answering; nothing was stored.", 1);

    /// <summary>Ends a call whose caller went away while it waited for room in the budget; no one reads it.</summary>
    public static ServiceError CallerLeft { get; } = new(ProblemCode.Unavailable, "The caller went away before the call was admitted; nothing was run.");

    public static ServiceError TryAgain { get; } = new(ProblemCode.Unavailable, "Try again shortly.", 1);

    public static ServiceError StorageUnavailable { get; } =
        new(ProblemCode.Unavailable, "Storage is unavailable; nothing was charged. Try again shortly.", 2);

    /// <summary>Null when a request on <paramref name="host"/> may be served by <paramref name="tenant"/>; else why not.</summary>
    public static ServiceError? ForHost(TenantRecord? tenant, string host)
    {
        if (tenant is null || !string.Equals(tenant.Settings.Domain, host, StringComparison.Ordinal))
        {
            return ServiceError.UnknownHost;
        }
        return tenant.Settings.Status == TenantStatus.Suspended ? Suspended : null;
    }

    public static ServiceError DomainTaken(string domain) => new(ProblemCode.Conflict, $"The domain '{domain}' is already taken.");

    public static ServiceError ModelNotAllowed(string model) => new(ProblemCode.ValidationFailed, $"Model '{model}' is not available for this tenant.");

    public static ServiceError BudgetSpent(int? retryAfterSeconds) =>
        new(ProblemCode.TokenLimitExceeded, "The tenant's token budget for this period is spent.", retryAfterSeconds);

    public static ServiceError RateLimited(int retryAfterSeconds) =>
        new(ProblemCode.RateLimited, "The tenant's rate limit is reached; retry later.", retryAfterSeconds);
}
