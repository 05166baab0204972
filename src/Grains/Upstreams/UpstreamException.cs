namespace TenantChat.Grains.Upstreams;

public enum UpstreamFailure
{
    /// <summary>The upstream answered with an error (after retries).</summary>
    Error,

    /// <summary>Every attempt ran out of time.</summary>
    Timeout,

    /// <summary>The circuit is open: the upstream failed repeatedly and is not being called for now.</summary>
    Unavailable,
}

/// <summary>An upstream call that produced no answer. Its message never holds prompts or credentials.</summary>
public sealed class UpstreamException(UpstreamFailure failure, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public UpstreamFailure Failure { get; } = failure;
}
