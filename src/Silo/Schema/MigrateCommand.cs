namespace TenantChat.Silo.Schema;

/// <summary>
/// The migration step: <c>dotnet TenantChat.Silo.dll --migrate</c> applies the schema with the owner's login,
/// <c>ConnectionStrings:Migrations</c> (required here), and exits: 0 when the schema is up to date, 1 when it
/// failed, 2 when the connection string is missing. docker compose runs it as the one-shot <c>migrate</c> service
/// before any silo; scripts/run.sh, cluster.sh, fault-suite.sh and bench.sh run it before starting theirs.
/// </summary>
public static class MigrateCommand
{
    public const string Switch = "--migrate";

    public const string ConnectionName = "Migrations";

    public static bool Requested(string[] args) => args.Contains(Switch, StringComparer.Ordinal);

    public static async Task<int> RunAsync(string[] args)
    {
        // The switch is not a setting: the command-line configuration would read the next argument as its value.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [.. args.Where(arg => arg != Switch)],
            ContentRootPath = AppContext.BaseDirectory,
        });
        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("TenantChat.Silo.Migrate");
        var owner = builder.Configuration.GetConnectionString(ConnectionName);
        if (string.IsNullOrEmpty(owner))
        {
            logger.LogError("--migrate needs ConnectionStrings:{Name}, the schema owner's connection string", ConnectionName);
            return 2;
        }
        try
        {
            await using var source = Npgsql.NpgsqlDataSource.Create(owner);
            var migrator = new SchemaMigrator(source, host.Services.GetRequiredService<ILogger<SchemaMigrator>>());
            await DatabaseRetry.WhileUnreachableAsync(logger, () => migrator.ApplyAsync(), CancellationToken.None);
            logger.LogInformation("Schema up to date ({Count} scripts)", SchemaMigrator.Scripts().Count);
            return 0;
        }
        catch (Exception e)
        {
            // The message only: an Npgsql exception's data may carry the connection string's host and user.
            logger.LogError("Migration failed: {Error}", e.Message);
            return 1;
        }
    }
}
