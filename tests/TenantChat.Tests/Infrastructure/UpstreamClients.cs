using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TenantChat.Grains.Providers;

namespace TenantChat.Tests.Infrastructure;

/// <summary>Builds an <see cref="IChatUpstream"/> the way the silo does, from configuration, with quick test timings.</summary>
public static class UpstreamClients
{
    public static IChatUpstream Create(string provider, Uri baseUrl, string? apiKey = null, double timeoutSeconds = 2, int maxRetries = 1)
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
        return new ServiceCollection().AddChatUpstream(configuration).BuildServiceProvider().GetRequiredService<IChatUpstream>();
    }
}
