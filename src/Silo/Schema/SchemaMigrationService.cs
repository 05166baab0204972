namespace TenantChat.Silo.Schema;

/// <summary>
/// Brings the schema up to date before the silo starts (lifecycle "starting" runs ahead of every hosted
/// service's start, Orleans' included). Waits for the database while it is not reachable yet.
/// </summary>
public sealed class SchemaMigrationService(SchemaMigrator migrator, ILogger<SchemaMigrationService> logger) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await migrator.ApplyAsync(cancellationToken);
                return;
            }
            catch (Npgsql.NpgsqlException e) when (e.IsTransient && attempt < 30)
            {
                logger.LogWarning("Database not reachable yet (attempt {Attempt}); retrying", attempt);
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
