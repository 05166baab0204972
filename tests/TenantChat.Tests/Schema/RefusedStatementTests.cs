using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Schema;

/// <summary>
/// Issue 17, finding 5: a pooled connection out of protocol sync after PostgreSQL refused an insert. The sequence is
/// the statement's fifth use on one connection (Npgsql auto-prepares it then) being refused by the server.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RefusedStatementTests(ClusterFixture fixture)
{
    private static readonly CustomerDataInput Valid = new("A title", "Some content", "{}");

    /// <summary>PostgreSQL's numeric cannot hold this number: the server refuses the row (22003) as it binds it.</summary>
    private static readonly CustomerDataInput Refused = new("A title", "Some content", "{\"n\": 1e200000}");

    private const int UsesBeforeAutoPrepare = 4;

    /// <summary>The grains' data source, limited to one connection so that every statement below runs on it.</summary>
    private ServiceProvider OneConnectionGrains()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = fixture.ConnectionString + ";Maximum Pool Size=1",
        }).Build();
        return new ServiceCollection().AddTenantChatGrains(configuration).BuildServiceProvider();
    }

    [Fact]
    public async Task Npgsql_loses_sync_when_the_server_refuses_the_execution_that_auto_prepares_a_statement()
    {
        // Documents the cause the defence below answers; should a newer Npgsql fix it, this test says so.
        var tenant = await fixture.CreateTenantAsync("Desync cause tenant.");
        await using var services = OneConnectionGrains();
        var store = services.GetRequiredService<CustomerDataStore>();
        for (var i = 0; i < UsesBeforeAutoPrepare; i++)
        {
            await store.InsertAsync(tenant.Id, Guid.CreateVersion7(), Valid, DateTimeOffset.UtcNow);
        }

        await Assert.ThrowsAsync<PostgresException>(() => store.InsertAsync(tenant.Id, Guid.CreateVersion7(), Refused, DateTimeOffset.UtcNow));
        var desync = await Assert.ThrowsAnyAsync<Exception>(() => store.InsertAsync(tenant.Id, Guid.CreateVersion7(), Valid, DateTimeOffset.UtcNow));

        Assert.Contains("unexpected backend message DataRow", desync.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_refused_statement_the_connection_that_saw_it_serves_nothing_more()
    {
        var tenant = await fixture.CreateTenantAsync("Desync defence tenant.");
        await using var services = OneConnectionGrains();
        var store = services.GetRequiredService<CustomerDataStore>();
        var filter = new StorageFailureFilter(services.GetRequiredService<NpgsqlDataSource>(), NullLogger<StorageFailureFilter>.Instance);
        for (var i = 0; i < UsesBeforeAutoPrepare; i++)
        {
            await store.InsertAsync(tenant.Id, Guid.CreateVersion7(), Valid, DateTimeOffset.UtcNow);
        }

        // The refusal reaches the grain call filter, as it does when the customer-data grain runs the insert.
        await Assert.ThrowsAsync<StorageUnavailableException>(() =>
            filter.Invoke(GrainCallStub.Running(() => store.InsertAsync(tenant.Id, Guid.CreateVersion7(), Refused, DateTimeOffset.UtcNow))));
        for (var i = 0; i < 2 * UsesBeforeAutoPrepare; i++)
        {
            await store.InsertAsync(tenant.Id, Guid.CreateVersion7(), Valid, DateTimeOffset.UtcNow);
        }

        Assert.Equal(3 * UsesBeforeAutoPrepare, (await store.ListAsync(tenant.Id, 100, null)).Count);
    }

    [Fact]
    public async Task A_refused_chat_batch_leaves_no_connection_out_of_sync()
    {
        var tenant = await fixture.CreateTenantAsync("Desync batch tenant.");
        await using var services = OneConnectionGrains();
        var store = services.GetRequiredService<ChatMessageStore>();
        StoredMessage Message(string prompt) =>
            new(Guid.CreateVersion7(), Guid.CreateVersion7(), prompt, "An answer.", "openai", 42, new TokenUsage(5, 5), "default");
        for (var i = 0; i < UsesBeforeAutoPrepare; i++)
        {
            await store.AppendAsync([(tenant.Id, Message("Hello"))], DateTimeOffset.UtcNow);
        }

        // A NUL cannot be stored in text: the server refuses the batch on the execution that prepares it.
        await Assert.ThrowsAsync<PostgresException>(() => store.AppendAsync([(tenant.Id, Message("a\0b"))], DateTimeOffset.UtcNow));
        for (var i = 0; i < 2 * UsesBeforeAutoPrepare; i++)
        {
            await store.AppendAsync([(tenant.Id, Message("Hello again"))], DateTimeOffset.UtcNow);
        }

        Assert.Equal(3 * UsesBeforeAutoPrepare, (await fixture.LedgerAsync(tenant.Id)).Messages);
    }

    /// <summary>A grain call for a filter to run: invoking it runs the given work; nothing else about it is read.</summary>
    public class GrainCallStub : DispatchProxy
    {
        private Func<Task> _run = () => Task.CompletedTask;

        public static IIncomingGrainCallContext Running(Func<Task> run)
        {
            var call = Create<IIncomingGrainCallContext, GrainCallStub>();
            ((GrainCallStub)(object)call)._run = run;
            return call;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod?.Name == nameof(IIncomingGrainCallContext.Invoke) ? _run() : null;
    }
}
