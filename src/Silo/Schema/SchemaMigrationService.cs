using Npgsql;

namespace TenantChat.Silo.Schema;

/// <summary>
/// Makes sure the schema is up to date before the silo starts (lifecycle "starting" runs ahead of every hosted
/// service's start, Orleans' included). With <c>ConnectionStrings:Migrations</c> given, the silo applies the
/// scripts itself with that (the owner's) login first. Without it, it checks, as the serving login, that
/// <c>schema_migrations</c> holds every embedded script, and refuses to start otherwise, naming what is missing and
/// the migration step to run; only a serving login that may create in the schema anyway (the owner, a superuser: a
/// deployment without separate logins) applies them itself, with a warning. Waits for the database while it is not
/// reachable yet.
/// </summary>
public sealed class SchemaMigrationService(NpgsqlDataSource serving, IConfiguration configuration,
    ILoggerFactory loggers, ILogger<SchemaMigrationService> logger) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var owner = configuration.GetConnectionString(MigrateCommand.ConnectionName);
        await DatabaseRetry.WhileUnreachableAsync(logger, async () =>
        {
            if (!string.IsNullOrEmpty(owner))
            {
                await using var ownerSource = NpgsqlDataSource.Create(owner);
                await new SchemaMigrator(ownerSource, loggers.CreateLogger<SchemaMigrator>()).ApplyAsync(cancellationToken);
            }
            var missing = await SchemaMigrator.MissingScriptsAsync(serving, cancellationToken);
            if (missing.Count > 0 && string.IsNullOrEmpty(owner) && await SchemaMigrator.MayChangeSchemaAsync(serving, cancellationToken))
            {
                // A deployment that serves as the owner (or a superuser) gains nothing from a refusal: that login can
                // already change everything the separation protects. Migrate with it, as before roles were separated,
                // and say that it should not be serving.
                logger.LogWarning("ConnectionStrings:Postgres may change the schema (its owner or a superuser), so the silo applies "
                    + "the {Count} missing script(s) with it. Serve as a login that cannot, and migrate with --migrate "
                    + "(docs/behaviour.md, \"Row-level security\").", missing.Count);
                await new SchemaMigrator(serving, loggers.CreateLogger<SchemaMigrator>()).ApplyAsync(cancellationToken);
                missing = await SchemaMigrator.MissingScriptsAsync(serving, cancellationToken);
            }
            if (missing.Count > 0)
            {
                throw new SchemaNotMigratedException(missing);
            }
        }, cancellationToken);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The silo's start-up refused: the database lacks scripts this build needs, and this silo may not apply them.</summary>
public sealed class SchemaNotMigratedException(IReadOnlyList<string> missing) : Exception(
    $"The database schema is not up to date: {missing.Count} script(s) not applied ({string.Join(", ", missing)}). "
    + "The silo serves with ConnectionStrings:Postgres and does not migrate with it. Run the migration step first: "
    + "the silo with --migrate and ConnectionStrings:Migrations set to the schema owner's login (docker compose "
    + "runs it as the `migrate` service), or give the silo ConnectionStrings:Migrations to migrate at start.")
{
    public IReadOnlyList<string> Missing { get; } = missing;
}

/// <summary>The database may still be starting (docker compose, a restart): transient failures are retried for a minute.</summary>
public static class DatabaseRetry
{
    public static async Task WhileUnreachableAsync(ILogger logger, Func<Task> work, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await work();
                return;
            }
            catch (NpgsqlException e) when (e.IsTransient && attempt < 30)
            {
                logger.LogWarning("Database not reachable yet (attempt {Attempt}); retrying", attempt);
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
        }
    }
}
