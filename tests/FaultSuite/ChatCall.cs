namespace TenantChat.FaultSuite;

/// <summary>
/// One <c>POST /api/chat/call</c> as the caller saw it. <see cref="Status"/> is 0 when no HTTP answer came
/// (connection refused or reset, or no answer within the suite's timeout; <see cref="Error"/> says which).
/// Times are offsets on the suite's monotonic clock.
/// </summary>
public sealed record class ChatCall(
    int Tenant,
    int Frontend,
    string Prompt,
    TimeSpan Started,
    TimeSpan Finished,
    int Status,
    string? Code = null,
    bool IsProblem = false,
    string? RetryAfter = null,
    Guid? MessageId = null,
    long TotalTokens = 0,
    string? Error = null)
{
    public bool Succeeded => Status == 200 && MessageId is not null;

    public TimeSpan Latency => Finished - Started;

    /// <summary>How the call is counted in a distribution of outcomes: "200", "503 unavailable", "no answer (timeout)".</summary>
    public string Outcome => Status switch
    {
        0 => $"no answer ({Error})",
        _ when Code is not null => $"{Status} {Code}",
        _ when Status != 200 && !IsProblem => $"{Status} (not problem+json)",
        200 when MessageId is null => "200 (unreadable body)",
        _ => Status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// An error as the contract describes errors (section 3): application/problem+json carrying one of its codes
    /// with that code's status, and a Retry-After where the code requires one.
    /// </summary>
    public bool IsCleanProblem => IsProblem && Code is not null && ContractStatus.TryGetValue(Code, out var status) && status == Status
        && (Code is not ("unavailable" or "rate_limited") || RetryAfter is not null);

    private static readonly Dictionary<string, int> ContractStatus = new()
    {
        ["validation_failed"] = 400,
        ["unauthorized"] = 401,
        ["tenant_suspended"] = 403,
        ["forbidden"] = 403,
        ["unknown_tenant"] = 404,
        ["not_found"] = 404,
        ["conflict"] = 409,
        ["token_limit_exceeded"] = 429,
        ["rate_limited"] = 429,
        ["upstream_error"] = 502,
        ["unavailable"] = 503,
        ["upstream_timeout"] = 504,
    };
}
