using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Extensions.Http;
using Polly.Timeout;
using TenantChat.Grains.Models;
using TenantChat.Telemetry;

namespace TenantChat.Grains.Upstreams;

public static class UpstreamServiceCollectionExtensions
{
    private const string UpstreamsSection = "Upstreams";

    /// <summary>
    /// Registers <see cref="ChatUpstreams"/>: the upstream configured in <c>Ai</c> as <c>default</c> (also
    /// resolvable as <see cref="IChatClient"/>), and one per child of <c>Ai:Upstreams</c>, each with its own
    /// retries, timeouts and circuit breaker. Unknown or incomplete settings fail at start-up.
    /// </summary>
    public static IServiceCollection AddChatUpstream(this IServiceCollection services, IConfiguration configuration)
    {
        var ai = configuration.GetSection(AiOptions.Section);
        services.AddOptions<AiOptions>().Bind(ai);
        services.AddUpstream(UpstreamRoute.DefaultUpstream, ai);
        foreach (var section in ai.GetSection(UpstreamsSection).GetChildren())
        {
            var name = section.Key.ToLowerInvariant();
            if (name == UpstreamRoute.DefaultUpstream || !UpstreamRoute.IsValidUpstreamName(name))
            {
                throw new InvalidOperationException(
                    $"{section.Path} is not a usable upstream name: use letters, digits, '-' and '_', and not '{UpstreamRoute.DefaultUpstream}'.");
            }
            services.AddUpstream(name, section);
        }
        services.AddSingleton<ChatUpstreams>();
        services.AddSingleton(serviceProvider => serviceProvider.GetRequiredService<ChatUpstreams>().Default);
        return services;
    }

    private static void AddUpstream(this IServiceCollection services, string name, IConfigurationSection section)
    {
        var options = section.Get<AiOptions>() ?? new AiOptions();
        Func<HttpClient, IOptions<AiOptions>, IChatClient>? create = options.ClientKind.ToUpperInvariant() switch
        {
            "MOCK" => null,
            "TEXT" => (http, o) => new TextApiChatClient(http, o),
            "OPENAI" => (http, o) => new OpenAiChatClient(http, o),
            "ANTHROPIC" => (http, o) => new AnthropicChatClient(http, o),
            _ => throw new InvalidOperationException(
                $"{section.Path}:Provider '{options.ClientKind}' is not supported; use 'mock', 'text', 'openai' or 'anthropic'."),
        };
        if (create is null)
        {
            services.AddSingleton(new ChatUpstreams.UpstreamFactory(name, _ => new MockChatClient()));
            return;
        }
        var baseUrl = options.BaseUrl ?? throw new InvalidOperationException($"{section.Path}:BaseUrl is required for this kind of client.");
        var setHeaders = options.ClientKind.Equals("anthropic", StringComparison.OrdinalIgnoreCase)
            ? AnthropicChatClient.SetHeaders
            : (Action<HttpRequestHeaders, string?>)SetBearerKey;
        var clientName = $"upstream:{name}";
        services.AddHttpClient(clientName, http =>
        {
            // A base without a trailing slash would lose its last segment when a relative path is appended.
            http.BaseAddress = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
            http.Timeout = Timeout.InfiniteTimeSpan; // the per-attempt timeout policy and the body's idle timeout own time
            setHeaders(http.DefaultRequestHeaders, options.ApiKey);
        })
        // The factory's request logging would put the request's path (a text API's is the prompt) in the log at
        // Information, and builds the URI's text for it on every call even when that level is off. Failures are
        // logged by the silo itself, without the request.
        .RemoveAllLoggers()
        .AddUpstreamPolicies(name, options);
        var wrapped = Options.Create(options);
        services.AddSingleton(new ChatUpstreams.UpstreamFactory(name,
            serviceProvider => create(serviceProvider.GetRequiredService<IHttpClientFactory>().CreateClient(clientName), wrapped)));
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
    /// process to this upstream, and a timeout per attempt. The handlers see a request only until its response
    /// headers arrive; a body read after that is timed by <see cref="UpstreamBody"/> and, once it has begun, never
    /// retried.
    /// </summary>
    private static IHttpClientBuilder AddUpstreamPolicies(this IHttpClientBuilder builder, string name, AiOptions options)
    {
        var transient = HttpPolicyExtensions.HandleTransientHttpError()
            .OrResult(response => response.StatusCode == HttpStatusCode.TooManyRequests)
            .Or<TimeoutRejectedException>();

        var retry = transient.WaitAndRetryAsync(options.MaxRetries,
            attempt => TimeSpan.FromMilliseconds((100 * Math.Pow(2, attempt - 1)) + Random.Shared.Next(0, 100)),
            (_, _) => TenantChatMetrics.UpstreamRetried(name));
        var breaker = transient.CircuitBreakerAsync(options.CircuitBreakerFailures, TimeSpan.FromSeconds(options.CircuitBreakSeconds),
            (_, _) => TenantChatMetrics.CircuitChanged(name, open: true), () => TenantChatMetrics.CircuitChanged(name, open: false));
        var timeout = Policy.TimeoutAsync<HttpResponseMessage>(TimeSpan.FromSeconds(options.TimeoutSeconds));

        return builder.AddPolicyHandler(retry).AddPolicyHandler(breaker).AddPolicyHandler(timeout);
    }
}
