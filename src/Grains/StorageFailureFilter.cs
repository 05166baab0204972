using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;
using TenantChat.Grains.Persistence;

namespace TenantChat.Grains;

/// <summary>
/// Turns a database failure escaping any grain method into a <see cref="StorageUnavailableException"/>, which can
/// reach the caller (the driver's own exceptions cannot be serialized, and would surface as a 500). After any
/// failure the pool's connections are dropped: after a database restart they are all dead, and each would otherwise
/// fail one more request before the pool is clean; after a refused statement one of them may be out of protocol sync
/// (<see cref="RefusedStatements"/>).
/// </summary>
public sealed class StorageFailureFilter(NpgsqlDataSource db, ILogger<StorageFailureFilter> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (DbException e)
        {
            db.DiscardPooledConnections();
            if (e.IsTransient)
            {
                logger.LogWarning("Database unavailable during {Method}: {Failure}", context.InterfaceMethod?.Name, e.GetType().Name);
            }
            else
            {
                logger.LogError(e, "Database error during {Method}", context.InterfaceMethod?.Name);
            }
            throw new StorageUnavailableException();
        }
    }
}
