using System.Data.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using TenantChat.Grains.Accounts;
using TenantChat.Grains.Alerts;
using TenantChat.Grains.Conversations;
using TenantChat.Grains.Governance;
using TenantChat.Grains.Knowledge;
using TenantChat.Grains.Persistence;
using TenantChat.Grains.Tenants;
using TenantChat.Grains.Tokens;
using TenantChat.Grains.Upstreams;
using TenantChat.Grains.Usage;

namespace TenantChat.Grains;

public static class GrainsServiceCollectionExtensions
{
    /// <summary>What the grains need: the database, the configured AI upstream and the token counter.</summary>
    public static IServiceCollection AddTenantChatGrains(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is required.");
        // Prepared statements and no DISCARD ALL on every pooled connection's return: a third fewer statements
        // and about 30% less database CPU per chat call in the benchmark (docs/benchmarks.md).
        // A setting given in the connection string wins. NpgsqlConnectionStringBuilder.ContainsKey cannot tell: it is
        // true for every keyword Npgsql knows, given or not, so the string's own keys are read with the plain builder.
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!IsGiven(given, "Max Auto Prepare"))
        {
            builder.MaxAutoPrepare = 32;
        }
        if (!IsGiven(given, "No Reset On Close"))
        {
            builder.NoResetOnClose = true;
        }
        services.AddSingleton(_ => NpgsqlDataSource.Create(builder.ConnectionString));
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section));
        services.AddSingleton<TenantDatabase>();
        services.AddSingleton(_ => new LedgerDataSource(NpgsqlDataSource.Create(LedgerDataSource.ConnectionStringFor(builder))));
        services.AddSingleton<TenantStore>();
        services.AddSingleton<ChatMessageStore>();
        services.AddSingleton<ConversationStore>();
        services.TryAddSingleton<IConversationEvents, WebhookConversationEvents>();
        services.AddSingleton(provider => new ChatMessageWriter(provider.GetRequiredService<ChatMessageStore>(),
            provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<ChatMessageWriter>>(),
            provider.GetRequiredService<IOptions<TenantLimitsOptions>>().Value.WriteBatchesInFlight));
        services.AddSingleton<AccountStore>();
        services.AddSingleton<CustomerDataStore>();
        services.AddSingleton<AuditLogStore>();
        services.AddSingleton<TenantDataStore>();
        services.AddSingleton<WebhookOutboxStore>();
        services.AddOptions<AlertOptions>().Bind(configuration.GetSection(AlertOptions.Section))
            .Validate(o => o.PollMilliseconds > 0 && o.RetryBaseSeconds > 0 && o.GiveUpMinutes > 0 && o.DeliveryTimeoutSeconds > 0,
                "Alerts:PollMilliseconds, RetryBaseSeconds, GiveUpMinutes and DeliveryTimeoutSeconds must be positive.");
        services.AddHostedService<WebhookDispatcher>();
        services.AddSingleton<UsageReportStore>();
        services.AddSingleton<RetentionStore>();
        services.AddOptions<RetentionOptions>().Bind(configuration.GetSection(RetentionOptions.Section))
            .Validate(o => o.BatchSize > 0 && o.FirstPurgeMinutes >= 1, "Retention:BatchSize must be positive and Retention:FirstPurgeMinutes at least 1.")
            .ValidateOnStart();
        services.AddSingleton<ModelPricing>();
        services.AddOptions<PricingOptions>().Bind(configuration.GetSection(PricingOptions.Section))
            .Validate(o => o.Models.Values.All(p => p.InputPerMillion >= 0 && p.OutputPerMillion >= 0), "Pricing:Models prices must not be negative.")
            .ValidateOnStart();
        services.AddSingleton<PasswordHashing>();
        services.AddSingleton<TokenCounter>();
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<TenantLimitsOptions>().Bind(configuration.GetSection(TenantLimitsOptions.Section))
            .Validate(options => options.MaxConcurrentCalls > 0, "Tenants:MaxConcurrentCalls must be positive.")
            .Validate(options => options.WriteBatchesInFlight is 1 or 2, "Tenants:WriteBatchesInFlight must be 1 or 2.");
        services.AddChatTimeouts(configuration);
        services.AddOptions<SignInOptions>().Bind(configuration.GetSection(SignInOptions.Section))
            .Validate(options => options.IsValid(), "Accounts:SignIn: every limit must be positive.");
        services.AddOptions<ChatAdmissionOptions>().Bind(configuration.GetSection(ChatAdmissionOptions.Section))
            .Validate(options => options.AdmissionWaitSeconds is >= 0 and <= ChatAdmissionOptions.MaxAdmissionWaitSeconds,
                $"Chat:AdmissionWaitSeconds must be between 0 and {ChatAdmissionOptions.MaxAdmissionWaitSeconds}.")
            .ValidateOnStart();
        services.AddChatUpstream(configuration);
        services.AddKnowledge(configuration);
        return services;
    }

    /// <summary>Npgsql takes a keyword with its spaces or without ("Max Auto Prepare", "MaxAutoPrepare").</summary>
    private static bool IsGiven(DbConnectionStringBuilder given, string keyword) =>
        given.ContainsKey(keyword) || given.ContainsKey(keyword.Replace(" ", "", StringComparison.Ordinal));
}
