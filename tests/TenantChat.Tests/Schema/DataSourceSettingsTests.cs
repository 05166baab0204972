using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TenantChat.Grains;

namespace TenantChat.Tests.Schema;

/// <summary>The grains' data source prepares statements and skips the session reset, unless the connection string says otherwise.</summary>
public sealed class DataSourceSettingsTests
{
    private static NpgsqlConnectionStringBuilder Effective(string connectionString)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = connectionString,
        }).Build();
        using var services = new ServiceCollection().AddTenantChatGrains(configuration).BuildServiceProvider();
        return new NpgsqlConnectionStringBuilder(services.GetRequiredService<NpgsqlDataSource>().ConnectionString);
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
}
