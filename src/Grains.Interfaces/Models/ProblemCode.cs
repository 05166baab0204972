namespace TenantChat.Grains.Models;

/// <summary>The machine-readable problem codes of the HTTP contract.</summary>
[GenerateSerializer]
public enum ProblemCode
{
    ValidationFailed,
    UnknownTenant,
    TenantSuspended,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    TokenLimitExceeded,
    RateLimited,
    UpstreamError,
    UpstreamTimeout,
    Unavailable,

    /// <summary>An unexpected failure; details stay in the logs.</summary>
    Internal,
}
