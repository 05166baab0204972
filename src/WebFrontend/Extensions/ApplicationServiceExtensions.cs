using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Orleans.Configuration;
using Prometheus;
using TenantChat.Grains;
using TenantChat.Shared;
using TenantChat.WebFrontend.Accounts;
using TenantChat.WebFrontend.Admin;
using TenantChat.WebFrontend.Apis.Chat;
using TenantChat.WebFrontend.Governance;
using TenantChat.WebFrontend.Pages;
using TenantChat.WebFrontend.Problems;
using TenantChat.WebFrontend.Requests;
using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.WebFrontend.Extensions;

public static class ApplicationServiceExtensions
{
    public static WebApplicationBuilder AddApplicationServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.AddOrleansClient();
        builder.AddObservability("tenantchat-frontend");

        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            // "42" is not a number: wrong types are refused, not coerced.
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            options.SerializerOptions.Encoder = ApiProblem.JsonOptions.Encoder;
        });
        services.AddOptions<ChatOptions>().BindConfiguration(ChatOptions.Section).Validate(o => o.MaxPromptChars > 0 && o.MaxMessages > 0);
        services.AddChatTimeouts(builder.Configuration);
        services.AddSingleton<TenantGrainReferences>();
        services.AddSingleton<FailoverRetry>();
        services.AddSingleton<ChatStreaming>();
        services.AddApiProblems();
        services.AddSingleton<HostTenantResolver>();
        services.AddSingleton<TenantGrainCalls>();
        services.AddSingleton<PageAssets>();

        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, AdminKeyAuthentication>(AdminKeyAuthentication.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(AdminKeyAuthentication.Policy, policy => policy
                .AddAuthenticationSchemes(AdminKeyAuthentication.SchemeName)
                .RequireRole("operator"));

        services.AddTenantUsers();
        services.AddSingleton(TimeProvider.System);
        services.AddOpenApi();

        services.AddFrontendHealthChecks(builder.Configuration);
        services.AddGracefulShutdown(builder.Configuration);
        return builder;
    }

    /// <summary>A pure Orleans client that finds the silos' gateways through the clustering table in Postgres.</summary>
    private static void AddOrleansClient(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var connectionString = configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is required.");
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = configuration["Orleans:ClusterId"] ?? "tenantchat";
                options.ServiceId = configuration["Orleans:ServiceId"] ?? "tenantchat";
            });
            client.UseAdoNetClustering(options =>
            {
                options.Invariant = "Npgsql";
                options.ConnectionString = connectionString;
            });
            if (Observability.TracingEnabled(configuration))
            {
                client.AddActivityPropagation(); // a grain call continues the request's trace; no filter at all with tracing off
            }
            client.Configure<GatewayOptions>(options => options.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            // Silos may start after the frontend (compose, rolling restarts): keep trying instead of exiting.
            client.UseConnectionRetryFilter(async (_, cancellationToken) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                return true;
            });
        });
    }

    public static WebApplication UseTenantRouting(this WebApplication app)
    {
        app.UseWhen(ChatCallMetrics.AppliesTo, chat => chat.UseMiddleware<ChatCallMetrics>());
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<TrustedProxyHost>();
        app.UseMiddleware<WidgetCors>();
        app.UseMiddleware<TenantResolutionMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<AuditCallerMiddleware>();
        app.UseHttpMetrics();
        app.UseJsonBodyPolicy();
        return app;
    }

    /// <summary>The OpenAPI document at <c>/openapi/v1.json</c> and a browsable UI at <c>/docs</c>.</summary>
    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapOpenApi();
        // Only for /docs: as a middleware of every request it looked for an embedded file to serve on each chat call
        // (about 0.5% of the frontend's CPU at c=8; docs/benchmarks.md, "Profile of the c=8 path").
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/docs"), docs => docs.UseSwaggerUI(options =>
        {
            options.RoutePrefix = "docs";
            options.SwaggerEndpoint("/openapi/v1.json", "TenantChat");
        }));
        return app;
    }
}
