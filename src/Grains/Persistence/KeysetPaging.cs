using Npgsql;
using NpgsqlTypes;
using TenantChat.Grains.Models;

namespace TenantChat.Grains.Persistence;

/// <summary>
/// The parameters of a newest-first keyset page: <c>@after_at</c> and <c>@after_id</c>, both null on the first
/// page, for a condition like <c>(@after_at::timestamptz is null or (created_at, id) &lt; (@after_at, @after_id))</c>.
/// </summary>
internal static class KeysetPaging
{
    public static void AddAfter(this NpgsqlParameterCollection parameters, PageKey? after)
    {
        parameters.Add(new NpgsqlParameter("after_at", NpgsqlDbType.TimestampTz) { Value = (object?)after?.At ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter("after_id", NpgsqlDbType.Uuid) { Value = (object?)after?.Id ?? DBNull.Value });
    }
}
