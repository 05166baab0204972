using Microsoft.Extensions.Configuration;

namespace TenantChat.Grains.Upstreams;

/// <summary>The <c>Ai</c> configuration section.</summary>
public sealed class AiOptions
{
    public const string Section = "Ai";

    /// <summary>
    /// The kind of client that speaks to this upstream (configured as <c>Provider</c>):
    /// <c>mock</c> (built in, offline), <c>text</c> (GET text API), <c>openai</c> (OpenAI-compatible chat
    /// completions; base URL like <c>https://api.openai.com/v1</c>) or <c>anthropic</c> (Messages API; base URL like
    /// <c>https://api.anthropic.com</c>).
    /// </summary>
    [ConfigurationKeyName("Provider")]
    public string ClientKind { get; set; } = "mock";

    public Uri? BaseUrl { get; set; }

    /// <summary>Sent as a bearer token, or as <c>x-api-key</c> to Anthropic, when set; never logged.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Per-attempt timeout for the response headers, and the longest wait for each read of the body after them.</summary>
    public double TimeoutSeconds { get; set; } = 30;

    /// <summary>Retries after the first attempt, for transient failures only.</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>Consecutive failed calls that open the circuit.</summary>
    public int CircuitBreakerFailures { get; set; } = 10;

    public double CircuitBreakSeconds { get; set; } = 15;
}
