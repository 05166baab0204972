using System.Text;
using System.Text.Json;

namespace TenantChat.WebFrontend.Requests;

/// <summary>
/// What every JSON body must be, whatever the route: JSON that any party can read the same way (I-JSON, RFC 7493:
/// no member name twice in an object, no lone surrogate, no number beyond a double's range) and that PostgreSQL can
/// store (no NUL). <see cref="Check"/> walks the body once and names the first field that breaks a rule.
/// </summary>
public static class JsonInputRules
{
    public const int MaxDepth = 64;

    /// <summary>Enough for any double written out in full (5e-324 takes 326 characters).</summary>
    public const int MaxNumberChars = 400;

    /// <summary>The first problem in <paramref name="json"/> as (field, message), or null when there is none.</summary>
    public static (string Field, string Message)? Check(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth });
        var path = new JsonPath();
        try
        {
            while (reader.Read())
            {
                if (Step(ref reader, path) is { } problem)
                {
                    return problem;
                }
            }
        }
        catch (JsonException e)
        {
            return (path.Field, $"must be valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}).");
        }
        return null;
    }

    private static (string, string)? Step(ref Utf8JsonReader reader, JsonPath path)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.PropertyName:
                var name = Text(ref reader);
                if (!path.EnterMember(name))
                {
                    return (path.Field, name is null
                        ? "has a member name that is not valid Unicode text without NUL."
                        : "is given more than once.");
                }
                return null;
            case JsonTokenType.StartObject:
            case JsonTokenType.StartArray:
                path.EnterValue();
                path.Open(reader.TokenType == JsonTokenType.StartArray);
                return null;
            case JsonTokenType.EndObject:
            case JsonTokenType.EndArray:
                path.Close();
                return null;
            case JsonTokenType.String:
                path.EnterValue();
                return Text(ref reader) is null ? (path.Field, "must be valid Unicode text without NUL (no lone surrogates such as \\ud800, no U+0000).") : null;
            case JsonTokenType.Number:
                path.EnterValue();
                return IsDoubleSized(ref reader) ? null : (path.Field, "must be a number within the range of a double (about ±1.8e308, at most 400 characters).");
            default:
                path.EnterValue();
                return null;
        }
    }

    /// <summary>The string's text, or null when it is not well-formed UTF-16 (a lone surrogate) or holds a NUL.</summary>
    private static string? Text(ref Utf8JsonReader reader)
    {
        string text;
        try
        {
            text = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // The reader refuses invalid UTF-8 and escaped lone surrogates ("\ud800") as it unescapes.
            return null;
        }
        return text.Contains('\0', StringComparison.Ordinal) ? null : text;
    }

    /// <summary>
    /// Within a double's range: finite, zero only when written as zero, an exponent of at most three digits and at most
    /// <see cref="MaxNumberChars"/> characters. PostgreSQL's numeric refuses exponents and scales far beyond these
    /// (<c>1e200000</c>, <c>0e-200000</c>, 17,000 decimals), and other readers of the data would lose them anyway.
    /// </summary>
    private static bool IsDoubleSized(ref Utf8JsonReader reader)
    {
        // The body is one contiguous span, so every value is too.
        var literal = reader.ValueSpan;
        if (literal.Length > MaxNumberChars || !reader.TryGetDouble(out var value) || !double.IsFinite(value))
        {
            return false;
        }
        var exponentAt = literal.IndexOfAny((byte)'e', (byte)'E');
        var digits = exponentAt < 0 ? literal : literal[..exponentAt];
        if (value == 0 && digits.IndexOfAnyInRange((byte)'1', (byte)'9') >= 0)
        {
            return false;
        }
        return exponentAt < 0 || literal[(exponentAt + 1)..].TrimStart("+-"u8).Length <= 3;
    }

    /// <summary>Where the reader is, as the field name a caller sees: <c>messages[2].content</c>, or <c>body</c> at the top.</summary>
    private sealed class JsonPath
    {
        private readonly List<Level> _levels = [];

        public string Field
        {
            get
            {
                var name = new StringBuilder();
                foreach (var level in _levels)
                {
                    if (level.IsArray && level.Index >= 0)
                    {
                        name.Append('[').Append(level.Index).Append(']');
                    }
                    else if (!level.IsArray && level.Member is { } member)
                    {
                        name.Append(name.Length == 0 ? "" : ".").Append(member);
                    }
                }
                return name.Length == 0 ? "body" : name.ToString();
            }
        }

        public void Open(bool isArray) => _levels.Add(new Level(isArray));

        public void Close() => _levels.RemoveAt(_levels.Count - 1);

        /// <summary>A value begins: in an array it is the next element.</summary>
        public void EnterValue()
        {
            if (_levels.Count > 0 && _levels[^1].IsArray)
            {
                _levels[^1].Index++;
            }
        }

        /// <summary>False when the name is not text (then the object itself is named) or the object already has it.</summary>
        public bool EnterMember(string? name)
        {
            var level = _levels[^1];
            level.Member = name;
            return name is not null && level.Names.Add(name);
        }

        private sealed class Level(bool isArray)
        {
            public bool IsArray { get; } = isArray;

            public int Index { get; set; } = -1;

            public string? Member { get; set; }

            private HashSet<string>? _names;

            public HashSet<string> Names => _names ??= new(StringComparer.Ordinal);
        }
    }
}
