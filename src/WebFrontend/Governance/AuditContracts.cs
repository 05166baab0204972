using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text.Json.Nodes;
using TenantChat.Grains.Models;

namespace TenantChat.WebFrontend.Governance;

public sealed record class AuditEntryResponse(long Id, Guid TenantId, long Seq, string Actor, string Action, string Target,
    JsonNode? Changes, string? RequestId, DateTimeOffset At, string PrevHash, string Hash)
{
    public static AuditEntryResponse From(AuditEntryView e) =>
        new(e.Id, e.TenantId, e.Seq, e.Actor, e.Action, e.Target, JsonNode.Parse(e.ChangesJson), e.RequestId, e.At, e.PrevHash, e.Hash);
}

public sealed record class AuditVerifyResponse(bool Ok, long Entries, AuditEntryResponse? FirstBroken);

/// <summary>Audit paging cursors: the last entry's id, opaque to callers (URL-safe base64).</summary>
public static class AuditCursor
{
    public static string Encode(long id)
    {
        var bytes = new byte[sizeof(long)];
        BinaryPrimitives.WriteInt64BigEndian(bytes, id);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryDecode(string? cursor, out long? id)
    {
        id = null;
        if (cursor is null)
        {
            return true;
        }
        if (!Base64Url.IsValid(cursor, out var length) || length != sizeof(long))
        {
            return false;
        }
        id = BinaryPrimitives.ReadInt64BigEndian(Base64Url.DecodeFromChars(cursor));
        return true;
    }
}
