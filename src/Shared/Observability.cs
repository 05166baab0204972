// Compiled into both processes (linked from src/Shared): metrics, traces and log format are wired the same way in
// the silo and the frontend.
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Npgsql;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TenantChat.Telemetry;

namespace TenantChat.Shared;

public static class Observability
{
    /// <summary>The Orleans sources whose spans carry a grain call from the caller into the grain.</summary>
    public static readonly string[] OrleansSources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    /// <summary>
    /// <c>/metrics</c>' platform instruments (tenant labels per <c>Metrics:TenantLabels</c>), traces when
    /// <see cref="TracingEnabled"/>, and one JSON object per log line when <c>Logging:Format</c> is <c>json</c>.
    /// </summary>
    public static WebApplicationBuilder AddObservability(this WebApplicationBuilder builder, string serviceName)
    {
        UseMetricsSettings(builder.Configuration);
        builder.Logging.AddLogFormat(builder.Configuration);
        builder.Services.AddTracing(builder.Configuration, serviceName);
        return builder;
    }

    /// <summary>Tenant labels on or off, and the platform's meters bridged into <c>/metrics</c>.</summary>
    public static void UseMetricsSettings(IConfiguration configuration)
    {
        TenantChatMetrics.TenantLabels = configuration.GetValue("Metrics:TenantLabels", false);
        PrometheusMeterBridge.EnsureStarted();
    }

    /// <summary>
    /// Traces are collected only when they go somewhere: an OTLP endpoint (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>), or
    /// <c>Tracing:Enabled</c> for an exporter added in code (the tests' in-memory one). Otherwise no listener
    /// exists and a span costs a null check; log lines still carry ASP.NET Core's trace id.
    /// </summary>
    public static bool TracingEnabled(IConfiguration configuration) =>
        !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]) || configuration.GetValue("Tracing:Enabled", false);

    public static IServiceCollection AddTracing(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        if (!TracingEnabled(configuration))
        {
            return services;
        }
        var ratio = configuration.GetValue("Tracing:SampleRatio", 1.0);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing =>
            {
                tracing.SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio)))
                    .AddSource(TenantChatTracing.SourceName)
                    .AddSource(OrleansSources)
                    .AddAspNetCoreInstrumentation(options => options.Filter = IsTraced)
                    .AddHttpClientInstrumentation(options => options.EnrichWithHttpRequestMessage = HideRequestPath)
                    .AddNpgsql();
                if (!string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
                {
                    tracing.AddOtlpExporter();
                }
            });
        return services;
    }

    /// <summary>Scrapes and probes are not worth a trace each.</summary>
    private static bool IsTraced(HttpContext httpContext) =>
        !httpContext.Request.Path.StartsWithSegments("/metrics") && !httpContext.Request.Path.StartsWithSegments("/health");

    /// <summary>An upstream URL can hold the prompt and the system parameter (the text API's path and query): keep only its host.</summary>
    private static void HideRequestPath(Activity activity, HttpRequestMessage request)
    {
        if (request.RequestUri is { } uri)
        {
            activity.SetTag("url.full", $"{uri.Scheme}://{uri.Authority}/");
            activity.SetTag("url.path", null);
            activity.SetTag("url.query", null);
        }
    }

    /// <summary><c>Logging:Format</c> = <c>json</c>: <see cref="JsonLogFormatter"/> on the console; else the readable default.</summary>
    public static ILoggingBuilder AddLogFormat(this ILoggingBuilder logging, IConfiguration configuration)
    {
        if (string.Equals(configuration["Logging:Format"], "json", StringComparison.OrdinalIgnoreCase))
        {
            logging.AddConsoleFormatter<JsonLogFormatter, ConsoleFormatterOptions>(options => options.IncludeScopes = true);
            logging.AddConsole(options => options.FormatterName = JsonLogFormatter.FormatterName);
        }
        return logging;
    }
}
