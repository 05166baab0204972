using System.Net;
using Orleans.Configuration;
using TenantChat.Grains;
using TenantChat.Shared;
using TenantChat.Silo.Schema;

namespace TenantChat.Silo.Extensions;

public static class SiloBuilderExtensions
{
    private const string Invariant = "Npgsql";

    /// <summary>Cluster identity and endpoints from <c>Orleans:*</c>, so several silos can share one host.</summary>
    public static ISiloBuilder UseConfiguredEndpoints(this ISiloBuilder silo, IConfiguration configuration)
    {
        var orleans = configuration.GetSection("Orleans");
        silo.Configure<ClusterOptions>(options =>
        {
            options.ClusterId = orleans["ClusterId"] ?? "tenantchat";
            options.ServiceId = orleans["ServiceId"] ?? "tenantchat";
        });
        var siloPort = orleans.GetValue("SiloPort", EndpointOptions.DEFAULT_SILO_PORT);
        var gatewayPort = orleans.GetValue("GatewayPort", EndpointOptions.DEFAULT_GATEWAY_PORT);
        if (orleans["AdvertisedIP"] is { Length: > 0 } advertised)
        {
            silo.ConfigureEndpoints(IPAddress.Parse(advertised), siloPort, gatewayPort, listenOnAnyHostAddress: true);
        }
        else
        {
            silo.ConfigureEndpoints(siloPort, gatewayPort, listenOnAnyHostAddress: true);
        }
        return silo;
    }

    /// <summary>Clustering, grain storage and reminders on Postgres, the schema, and the grains' services.</summary>
    public static ISiloBuilder AddTenantChat(this ISiloBuilder silo, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is required.");
        silo.UseAdoNetClustering(options =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;
        });
        silo.AddAdoNetGrainStorageAsDefault(options =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;
        });
        // Durable reminders (the daily retention purge): stored in orleansreminders, so they outlive every silo.
        silo.UseAdoNetReminderService(options =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;
        });
        // A dead silo is declared dead after two missed probes, so its tenants move within a few seconds.
        silo.Configure<ClusterMembershipOptions>(options =>
        {
            options.ProbeTimeout = TimeSpan.FromSeconds(2);
            options.NumMissedProbesLimit = 2;
            options.NumVotesForDeathDeclaration = 1;
            options.TableRefreshTimeout = TimeSpan.FromSeconds(5);
        });

        silo.Services.AddDirectoryCacheSize(configuration);
        // Migrates only when ConnectionStrings:Migrations (the owner's) is given; otherwise checks the schema is current.
        silo.Services.AddHostedService<SchemaMigrationService>();
        silo.Services.AddTenantChatGrains(configuration);
        silo.AddIncomingGrainCallFilter<StorageFailureFilter>();
        // A grain call continues its caller's trace. With tracing off the filters are not even added: they would sit
        // in every grain call's pipeline for spans nobody listens to.
        if (Observability.TracingEnabled(configuration))
        {
            silo.AddActivityPropagation();
        }
        return silo;
    }
}
