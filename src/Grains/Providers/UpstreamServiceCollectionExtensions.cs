using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.Extensions.Http;
using Polly.Timeout;

namespace TenantChat.Grains.Providers;

public static class UpstreamServiceCollectionExtensions
{
    /// <summary>Registers the configured <see cref="IChatUpstream"/>; unknown or incomplete settings fail at start-up.</summary>
    public static IServiceCollection AddChatUpstream(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(AiOptions.Section);
        var options = section.Get<AiOptions>() ?? new AiOptions();
        services.AddOptions<AiOptions>().Bind(section);
        switch (options.Provider.ToUpperInvariant())
        {
            case "MOCK":
                services.AddSingleton<IChatUpstream, MockChatUpstream>();
                break;
            case "TEXT":
                services.AddHttpClient<IChatUpstream, TextApiChatClient>(http => Configure(http, options))
                    .AddUpstreamPolicies(options);
                break;
            default:
                throw new InvalidOperationException(
                    $"Ai:Provider '{options.Provider}' is not supported; use 'mock' or 'text'.");
        }
        return services;
    }

    private static void Configure(HttpClient http, AiOptions options)
    {
        var baseUrl = options.BaseUrl ?? throw new InvalidOperationException("Ai:BaseUrl is required for this provider.");
        // A base without a trailing slash would lose its last segment when the prompt path is appended.
        http.BaseAddress = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        http.Timeout = Timeout.InfiniteTimeSpan; // the per-attempt timeout policy owns time
        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
        }
    }

    /// <summary>
    /// Outermost first: jittered retries of transient failures, a circuit breaker shared by all calls of this
    /// process, and a timeout per attempt.
    /// </summary>
    public static IHttpClientBuilder AddUpstreamPolicies(this IHttpClientBuilder builder, AiOptions options)
    {
        var transient = HttpPolicyExtensions.HandleTransientHttpError()
            .OrResult(response => response.StatusCode == HttpStatusCode.TooManyRequests)
            .Or<TimeoutRejectedException>();

        var retry = transient.WaitAndRetryAsync(options.MaxRetries,
            attempt => TimeSpan.FromMilliseconds((100 * Math.Pow(2, attempt - 1)) + Random.Shared.Next(0, 100)));
        var breaker = transient.CircuitBreakerAsync(options.CircuitBreakerFailures, TimeSpan.FromSeconds(options.CircuitBreakSeconds));
        var timeout = Policy.TimeoutAsync<HttpResponseMessage>(TimeSpan.FromSeconds(options.TimeoutSeconds));

        return builder.AddPolicyHandler(retry).AddPolicyHandler(breaker).AddPolicyHandler(timeout);
    }
}
