extern alias SiloHost;

using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using SiloHost::TenantChat.Silo.Schema;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Schema;

/// <summary>
/// The reminder query texts of sql/015 run as Orleans' ADO.NET reminder table runs them (bare parameter names, the
/// same .NET types): versions on upsert and delete, and the two ring ranges, the second one wrapping.
/// </summary>
public sealed class ReminderTableTests
{
    private const string Service = "reminder-test";

    [Fact]
    public async Task Upsert_bumps_the_version_and_delete_needs_the_version_read()
    {
        await using var db = await MigratedAsync();

        var first = await UpsertAsync(db, "retention/a", "purge", hash: 10, period: 60_000);
        var second = await UpsertAsync(db, "retention/a", "purge", hash: 10, period: 86_400_000L * 30);

        Assert.Equal(first + 1, second);
        var row = Assert.Single(await ReadAsync(db, "ReadReminderRowKey", ("GrainId", "retention/a"), ("ReminderName", "purge")));
        Assert.Equal((second, 86_400_000L * 30), (row.Version, row.Period));
        Assert.False(await DeleteAsync(db, "retention/a", "purge", first));
        Assert.True(await DeleteAsync(db, "retention/a", "purge", second));
        Assert.Empty(await ReadAsync(db, "ReadReminderRowsKey", ("GrainId", "retention/a")));
    }

    [Fact]
    public async Task Ring_ranges_exclude_their_start_include_their_end_and_the_second_wraps()
    {
        await using var db = await MigratedAsync();
        foreach (var (grain, hash) in new[] { ("g/min", int.MinValue), ("g/minus", -5), ("g/zero", 0), ("g/ten", 10), ("g/max", int.MaxValue) })
        {
            await UpsertAsync(db, grain, "r", hash, period: 60_000);
        }

        var inside = await RangeAsync(db, "ReadRangeRows1Key", begin: -5, end: 10);
        var wrapped = await RangeAsync(db, "ReadRangeRows2Key", begin: 10, end: -5);
        var whole = await RangeAsync(db, "ReadRangeRows2Key", begin: 0, end: 0);

        Assert.Equal(["g/ten", "g/zero"], inside);
        Assert.Equal(["g/max", "g/min", "g/minus"], wrapped);
        Assert.Equal(5, whole.Count);
        await ExecuteAsync(db, "DeleteReminderRowsKey", []);
        Assert.Empty(await RangeAsync(db, "ReadRangeRows2Key", begin: 0, end: 0));
    }

    private static async Task<NpgsqlDataSource> MigratedAsync()
    {
        var db = NpgsqlDataSource.Create(await TestPostgres.CreateDatabaseAsync());
        await new SchemaMigrator(db, NullLogger<SchemaMigrator>.Instance).ApplyAsync();
        return db;
    }

    private static async Task<int> UpsertAsync(NpgsqlDataSource db, string grainId, string name, int hash, long period)
    {
        // Orleans sends the period as an int when it fits, else as a long.
        object periodValue = period <= int.MaxValue ? (int)period : period;
        var rows = await ExecuteAsync(db, "UpsertReminderRowKey", [("GrainId", grainId), ("ReminderName", name),
            ("StartTime", DateTime.UtcNow), ("Period", periodValue), ("GrainHash", hash)]);
        return Convert.ToInt32(rows.Single()["Version"], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<bool> DeleteAsync(NpgsqlDataSource db, string grainId, string name, int version)
    {
        var rows = await ExecuteAsync(db, "DeleteReminderRowKey", [("GrainId", grainId), ("ReminderName", name), ("Version", version)]);
        return Convert.ToBoolean(Assert.Single(Assert.Single(rows).Values), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<List<(string GrainId, long Period, int Version)>> ReadAsync(NpgsqlDataSource db, string key, params (string, object)[] parameters) =>
        [.. (await ExecuteAsync(db, key, parameters)).Select(row => ((string)row["GrainId"], Convert.ToInt64(row["Period"], System.Globalization.CultureInfo.InvariantCulture),
            Convert.ToInt32(row["Version"], System.Globalization.CultureInfo.InvariantCulture)))];

    private static async Task<List<string>> RangeAsync(NpgsqlDataSource db, string key, int begin, int end) =>
        [.. (await ReadAsync(db, key, ("BeginHash", begin), ("EndHash", end))).Select(row => row.GrainId).Order(StringComparer.Ordinal)];

    /// <summary>Runs the stored text of <paramref name="key"/> with the service id and <paramref name="parameters"/>; rows as name → value.</summary>
    private static async Task<List<Dictionary<string, object>>> ExecuteAsync(NpgsqlDataSource db, string key, (string Name, object Value)[] parameters)
    {
        await using var lookup = db.CreateCommand("select querytext from orleansquery where querykey = @key");
        lookup.Parameters.AddWithValue("key", key);
        await using var command = db.CreateCommand((string)(await lookup.ExecuteScalarAsync())!);
        command.Parameters.AddWithValue("ServiceId", Service);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Dictionary<string, object>>();
        while (await reader.ReadAsync())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, reader.GetValue));
        }
        return rows;
    }
}
