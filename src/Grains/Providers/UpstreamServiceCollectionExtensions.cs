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
                services.AddHttpUpstream<TextApiChatClient>(options, SetBearerKey);
                break;
            case "OPENAI":
                services.AddHttpUpstream<OpenAiChatClient>(options, SetBearerKey);
                break;
            case "ANTHROPIC":
                services.AddHttpUpstream<AnthropicChatClient>(options, AnthropicChatClient.SetHeaders);
                break;
            default:
                throw new InvalidOperationException(
                    $"Ai:Provider '{options.Provider}' is not supported; use 'mock', 'text', 'openai' or 'anthropic'.");
        }
        return services;
    }

    private static void AddHttpUpstream<TClient>(
        this IServiceCollection services, AiOptions options, Action<HttpRequestHeaders, string?> setHeaders)
        where TClient : class, IChatUpstream =>
        services.AddHttpClient<IChatUpstream, TClient>(http =>
        {
            Configure(http, options);
            setHeaders(http.DefaultRequestHeaders, options.ApiKey);
        }).AddUpstreamPolicies(options);

    private static void Configure(HttpClient http, AiOptions options)
    {
        var baseUrl = options.BaseUrl ?? throw new InvalidOperationException("Ai:BaseUrl is required for this provider.");
        // A base without a trailing slash would lose its last segment when a relative path is appended.
        http.BaseAddress = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        http.Timeout = Timeout.InfiniteTimeSpan; // the per-attempt timeout policy and the body's idle timeout own time
    }

    private static void SetBearerKey(HttpRequestHeaders headers, string? apiKey)
    {
        if (!string.IsNullOrEmpty(apiKey))
        {
            headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
    }

    /// <summary>
    /// Outermost first: jittered retries of transient failures, a circuit breaker shared by all calls of this
    /// process, and a timeout per attempt. The handlers see a request only until its response headers arrive; a
    /// body read after that is timed by <see cref="UpstreamBody"/> and, once it has begun, never retried.
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
