using Npgsql;

namespace TenantChat.Grains.Persistence;

/// <summary>
/// One statement of a store, used like an <see cref="NpgsqlCommand"/>: scoped to one tenant
/// (<see cref="TenantDatabase.CreateCommand"/>, its batch opening with the scoping statement, whose result the reader
/// steps over) or explicitly across tenants (<see cref="TenantDatabase.CreateCrossTenantCommand"/>).
/// </summary>
public sealed class StoreCommand(NpgsqlBatch batch, NpgsqlBatchCommand statement, bool scoped) : IAsyncDisposable
{
    public NpgsqlParameterCollection Parameters => statement.Parameters;

    /// <summary>A reader positioned on the statement's own result.</summary>
    public async Task<NpgsqlDataReader> ExecuteReaderAsync(CancellationToken cancellationToken = default)
    {
        var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (scoped)
        {
            await reader.NextResultAsync(cancellationToken);
        }
        return reader;
    }

    /// <summary>The rows the statement itself affected.</summary>
    public async Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken = default)
    {
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return statement.RecordsAffected;
    }

    /// <summary>The first column of the statement's first row (<see cref="DBNull"/> when null), or null without a row.</summary>
    public async Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken = default)
    {
        await using var reader = await ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? reader.GetValue(0) : null;
    }

    public ValueTask DisposeAsync() => batch.DisposeAsync();
}
