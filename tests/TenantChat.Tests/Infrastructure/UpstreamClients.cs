using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TenantChat.Grains.Upstreams;

namespace TenantChat.Tests.Infrastructure;

/// <summary>Builds an <see cref="IChatClient"/> the way the silo does, from configuration, with quick test timings.</summary>
public static class UpstreamClients
{
    /// <summary>The default timeout is long enough for a cold server's first request, so only timeout tests time out.</summary>
    public static IChatClient Create(string provider, Uri baseUrl, string? apiKey = null, double timeoutSeconds = 10, int maxRetries = 1)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ai:Provider"] = provider,
            ["Ai:BaseUrl"] = baseUrl.ToString(),
            ["Ai:ApiKey"] = apiKey,
            ["Ai:TimeoutSeconds"] = timeoutSeconds.ToString(CultureInfo.InvariantCulture),
            ["Ai:MaxRetries"] = maxRetries.ToString(CultureInfo.InvariantCulture),
            ["Ai:CircuitBreakerFailures"] = "100",
        }).Build();
        return new ServiceCollection().AddChatUpstream(configuration).BuildServiceProvider().GetRequiredService<IChatClient>();
    }

    /// <summary>Reads a stream that must fail; returns the deltas that arrived before it did, and the failure.</summary>
    public static async Task<(List<string> Received, UpstreamException Failure)> ReadUntilFailureAsync(this IAsyncEnumerable<UpstreamChunk> stream)
    {
        var received = new List<string>();
        var failure = await Assert.ThrowsAsync<UpstreamException>(async () =>
        {
            await foreach (var chunk in stream)
            {
                received.Add(chunk.Delta);
            }
        });
        return (received, failure);
    }
}
