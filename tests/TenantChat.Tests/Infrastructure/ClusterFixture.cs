extern alias SiloHost;

using Microsoft.AspNetCore.Mvc.Testing;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;
using Orleans.TestingHost;
using OpenTelemetry.Trace;
using TenantChat.Fakes;
using TenantChat.Grains.Conversations;
using TenantChat.Grains.Knowledge;
using Microsoft.Extensions.Logging.Abstractions;
using SiloHost::TenantChat.Silo.Extensions;
using SiloHost::TenantChat.Silo.Schema;

namespace TenantChat.Tests.Infrastructure;

/// <summary>
/// The whole system on real parts: a fresh PostgreSQL database, a fake upstream on loopback, a 2-silo
/// TestCluster wired exactly like the silo process (ADO.NET clustering and storage on that database), and the
/// real web frontend connecting to it as an Orleans client through the clustering table. As deployed, the schema is
/// migrated first by its owner; the silos and the frontend then serve as the non-owner login (TestPostgres.ServingLogin).
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    public const string OperatorKey = "test-operator-key";
    public const string SigningKey = "test-signing-key-of-at-least-32-characters";
    public const string BackupUpstream = "backup";
    public const string FlakyUpstream = "flaky";
    public const int KnowledgeChunkCap = 60;

    /// <summary>The silos' <c>Retention:BatchSize</c>: small, so a test sees a purge take several batches.</summary>
    public const int RetentionBatchSize = 50;

    /// <summary>The silos' <c>Chat:AdmissionWaitSeconds</c>.</summary>
    public const int AdmissionWaitSeconds = 4;

    private WebApplicationFactory<Program>? _frontend;

    /// <summary>The serving login's connection string: what the silos and the frontend use.</summary>
    public string ConnectionString { get; private set; } = null!;

    /// <summary>The schema owner's (a superuser): the migration, and tests that tamper behind the application's back.</summary>
    public string OwnerConnectionString { get; private set; } = null!;

    public FakeUpstream Upstream { get; private set; } = null!;

    public TestCluster Cluster { get; private set; } = null!;

    public WebApplicationFactory<Program> Frontend => _frontend!;

    /// <summary>The database as the serving login sees it.</summary>
    public NpgsqlDataSource Database { get; private set; } = null!;

    /// <summary>The database as its owner, beyond every grant and policy: only for tampering on purpose.</summary>
    public NpgsqlDataSource OwnerDatabase { get; private set; } = null!;

    /// <summary>Every span of the run (frontend and silos share the process, so the frontend's tracer sees all).</summary>
    public List<Activity> Spans { get; } = [];

    public async Task InitializeAsync()
    {
        OwnerConnectionString = await TestPostgres.CreateDatabaseAsync();
        OwnerDatabase = NpgsqlDataSource.Create(OwnerConnectionString);
        // The migration step, as the owner; the silos are not given ConnectionStrings:Migrations and only check it.
        await new SchemaMigrator(OwnerDatabase, NullLogger<SchemaMigrator>.Instance).ApplyAsync();
        ConnectionString = TestPostgres.ServingConnectionString(OwnerConnectionString);
        Database = NpgsqlDataSource.Create(ConnectionString);
        Upstream = await FakeUpstream.StartAsync();

        var builder = new TestClusterBuilder(initialSilosCount: 2);
        builder.Options.UseTestClusterMembership = false;
        // The frontend connects over TCP, like the real process; the in-memory default would hide it.
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        builder.ConfigureHostConfiguration(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = ConnectionString,
            ["Ai:Provider"] = "text",
            ["Ai:BaseUrl"] = Upstream.BaseUrl.ToString(),
            ["Ai:TimeoutSeconds"] = "1",
            // Small enough for a test to reach with a few items (KnowledgeCapTests).
            ["Knowledge:MaxChunksPerTenant"] = KnowledgeChunkCap.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Ai:MaxRetries"] = "2",
            // Tests that make the upstream fail must not open the circuit for the tests that follow.
            ["Ai:CircuitBreakerFailures"] = "100000",
            // Calls that wait for room in a budget give up sooner than the default 10 s, so the test of it is short.
            ["Chat:AdmissionWaitSeconds"] = AdmissionWaitSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Fallback routes: an offline upstream that always answers, and the fake again with a circuit that
            // opens after two failed calls (only the circuit test routes to it).
            [$"Ai:Upstreams:{BackupUpstream}:Provider"] = "mock",
            [$"Ai:Upstreams:{FlakyUpstream}:Provider"] = "text",
            [$"Ai:Upstreams:{FlakyUpstream}:BaseUrl"] = Upstream.BaseUrl.ToString(),
            [$"Ai:Upstreams:{FlakyUpstream}:MaxRetries"] = "0",
            [$"Ai:Upstreams:{FlakyUpstream}:CircuitBreakerFailures"] = "2",
            [$"Ai:Upstreams:{FlakyUpstream}:CircuitBreakSeconds"] = "600",
            // Prices per million tokens, for the cost tests' hand computation.
            ["Pricing:Models:openai:InputPerMillion"] = "2.5",
            ["Pricing:Models:openai:OutputPerMillion"] = "10",
            ["Pricing:Models:mistral:InputPerMillion"] = "0.3",
            ["Pricing:Models:mistral:OutputPerMillion"] = "0.9",
            // Webhook receivers run on loopback; retries come quickly.
            ["Alerts:AllowPrivateTargets"] = "true",
            ["Alerts:PollMilliseconds"] = "100",
            ["Alerts:RetryBaseSeconds"] = "0.2",
            ["Retention:BatchSize"] = RetentionBatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Grain calls continue the frontend's traces (the frontend's tracer, in this process, records the silos' spans too).
            ["Tracing:Enabled"] = "true",
        }));
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();

        _frontend = CreateFrontend();
    }

    /// <summary>
    /// A web frontend connected to this cluster, configured like every other (the same signing key). Tests that
    /// need a second frontend, to see that a change on one is seen on the other, make one and dispose it.
    /// </summary>
    public WebApplicationFactory<Program> CreateFrontend()
    {
        var frontend = new WebApplicationFactory<Program>().WithWebHostBuilder(ConfigureFrontend);
        frontend.Server.PreserveExecutionContext = true;
        return frontend;
    }

    /// <summary>The settings of a frontend on this cluster (the in-memory one, or another one such as the browser tests' Kestrel).</summary>
    public void ConfigureFrontend(Microsoft.AspNetCore.Hosting.IWebHostBuilder web)
    {
        web.UseSetting("ConnectionStrings:Postgres", ConnectionString);
        web.UseSetting("Orleans:ClusterId", Cluster.Options.ClusterId);
        web.UseSetting("Orleans:ServiceId", Cluster.Options.ServiceId);
        web.UseSetting("Admin:ApiKey", OperatorKey);
        web.UseSetting("Auth:SigningKey", SigningKey);
        // Observability as an operator would turn it on: tenant labels, traces to an exporter, JSON log lines.
        web.UseSetting("Metrics:TenantLabels", "true");
        web.UseSetting("Tracing:Enabled", "true");
        web.ConfigureServices(services => services
            .ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Spans))
            .AddSingleton<ILoggerProvider>(new JsonLogCapture()));
    }

    /// <summary>A client whose requests carry <paramref name="host"/> as their Host.</summary>
    public HttpClient ClientFor(string host) =>
        Frontend.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri($"http://{host}/"), AllowAutoRedirect = false });

    /// <summary>
    /// <c>POST /api/chat/call</c> with exactly this Host, straight into the frontend's test server: HttpClient would
    /// refuse to send a malformed one.
    /// </summary>
    public Task<Microsoft.AspNetCore.Http.HttpContext> ChatWithRawHostAsync(string host) =>
        Frontend.Server.SendAsync(request =>
        {
            request.Request.Method = "POST";
            request.Request.Path = "/api/chat/call";
            request.Request.Host = new Microsoft.AspNetCore.Http.HostString(host);
            request.Request.ContentType = "application/json";
            request.Request.Body = new MemoryStream("{\"prompt\":\"hi\"}"u8.ToArray());
        });

    public HttpClient OperatorClient()
    {
        var client = ClientFor("admin.test");
        client.DefaultRequestHeaders.Authorization = new("Bearer", OperatorKey);
        return client;
    }

    public async Task DisposeAsync()
    {
        if (_frontend is not null)
        {
            await TearDownAsync(() => _frontend.DisposeAsync().AsTask());
        }
        await TearDownAsync(Cluster.StopAllSilosAsync);
        await TearDownAsync(() => Cluster.DisposeAsync().AsTask());
        await Upstream.DisposeAsync();
        await Database.DisposeAsync();
        await OwnerDatabase.DisposeAsync();
    }

    /// <summary>
    /// Tearing down after the tests: hosts stopped in sequence may find a shared service already disposed, and a
    /// cluster with a killed silo may fail to stop it again. Everything is being thrown away anyway; such a failure
    /// is reported on the console but must not fail a collection whose tests all passed.
    /// </summary>
    private static async Task TearDownAsync(Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception e)
        {
            Console.WriteLine($"teardown: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>The handoff events raised by both silos (they share this process).</summary>
    public static RecordingConversationEvents ConversationEvents { get; } = new();

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddTenantChat(siloBuilder.Configuration);
            siloBuilder.Services.AddSingleton<IConversationEvents>(ConversationEvents);
            // Indexing tests arm faults on it; unarmed, it is the real embedder.
            siloBuilder.Services.AddSingleton<ISentenceEmbedder>(services => new FailingEmbedder(services.GetRequiredService<SentenceEmbedder>()));
            siloBuilder.Services.AddSingleton<ILoggerProvider>(new JsonLogCapture());
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.UseAdoNetClustering(options =>
            {
                options.Invariant = "Npgsql";
                options.ConnectionString = configuration["ConnectionStrings:Postgres"];
            });
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
