using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TenantChat.Grains;
using TenantChat.Grains.Persistence;

namespace TenantChat.Tests.Schema;

/// <summary>The grains' data source prepares statements and skips the session reset, unless the connection string says otherwise.</summary>
public sealed class DataSourceSettingsTests
{
    private static NpgsqlConnectionStringBuilder Effective(string connectionString) =>
        new(Resolve<NpgsqlDataSource>(connectionString).ConnectionString);

    private static NpgsqlConnectionStringBuilder Ledger(string connectionString) =>
        new(Resolve<LedgerDataSource>(connectionString).Source.ConnectionString);

    private static T Resolve<T>(string connectionString)
        where T : notnull
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = connectionString,
        }).Build();
        // The provider is left undisposed: disposing it would dispose the data source the test reads.
        var services = new ServiceCollection().AddTenantChatGrains(configuration).BuildServiceProvider();
        return services.GetRequiredService<T>();
    }

    [Fact]
    public void By_default_statements_are_prepared_and_connections_are_not_reset_on_return()
    {
        var settings = Effective("Host=127.0.0.1;Username=postgres");

        Assert.Equal(32, settings.MaxAutoPrepare);
        Assert.True(settings.NoResetOnClose);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Max Auto Prepare=0;No Reset On Close=false")]
    [InlineData("Host=127.0.0.1;maxautoprepare=0;NoResetOnClose=false")]
    public void Settings_given_in_the_connection_string_win(string connectionString)
    {
        var settings = Effective(connectionString);

        Assert.Equal(0, settings.MaxAutoPrepare);
        Assert.False(settings.NoResetOnClose);
    }

    [Fact]
    public void The_ledger_writes_on_connections_of_their_own_that_plan_its_statement_once()
    {
        var ledger = Ledger("Host=127.0.0.1;Username=postgres;Options=-c statement_timeout=5000");

        Assert.Equal("-c statement_timeout=5000 -c plan_cache_mode=force_generic_plan", ledger.Options);
        Assert.Equal(32, ledger.MaxAutoPrepare);
        Assert.True(ledger.NoResetOnClose);
        Assert.Equal("postgres", ledger.Username);
        Assert.Null(Effective("Host=127.0.0.1;Username=postgres").Options);
    }
}
