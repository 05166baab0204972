using System.Buffers.Binary;
using System.Buffers.Text;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Problems;

namespace TenantChat.WebFrontend.Apis;

/// <summary>Opaque paging cursors: a <see cref="PageKey"/> in URL-safe base64. Callers only echo them back.</summary>
public static class Cursors
{
    private const int WithTime = 24;
    private const int IdOnly = 16;

    public static string? Encode(PageKey? key)
    {
        if (key is null)
        {
            return null;
        }
        var bytes = new byte[key.At is null ? IdOnly : WithTime];
        key.Id.TryWriteBytes(bytes.AsSpan(0, IdOnly));
        if (key.At is { } at)
        {
            BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(IdOnly), at.UtcTicks);
        }
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryDecode(string? cursor, out PageKey? key)
    {
        key = null;
        if (cursor is null)
        {
            return true;
        }
        if (!Base64Url.IsValid(cursor, out var length) || length is not (IdOnly or WithTime))
        {
            return false;
        }
        var bytes = Base64Url.DecodeFromChars(cursor);
        DateTimeOffset? at = null;
        if (length == WithTime)
        {
            var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(IdOnly));
            if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
            {
                return false;
            }
            at = new DateTimeOffset(ticks, TimeSpan.Zero);
        }
        key = new PageKey(at, new Guid(bytes.AsSpan(0, IdOnly)));
        return true;
    }

    /// <summary>Reads <c>limit</c> and <c>cursor</c>, or says what is wrong with them.</summary>
    public static ApiProblem? TryReadPaging(int? limit, string? cursor, out int pageSize, out PageKey? after, int defaultSize = 50, int maxSize = 200)
    {
        pageSize = limit ?? defaultSize;
        after = null;
        if (pageSize < 1 || pageSize > maxSize)
        {
            return new ApiProblem(ProblemCode.ValidationFailed, $"limit must be from 1 to {maxSize}.");
        }
        return TryDecode(cursor, out after) ? null : new ApiProblem(ProblemCode.ValidationFailed, "cursor is not a cursor this API returned.");
    }
}
