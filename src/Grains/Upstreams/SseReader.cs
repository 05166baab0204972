using System.Text;

namespace TenantChat.Grains.Upstreams;

/// <summary>
/// Server-sent events from an upstream body, read by the WHATWG rules: lines end in LF, CRLF or CR; <c>data:</c>
/// lines of one event are joined with LF; a blank line ends the event; lines starting with <c>:</c> are comments.
/// Event names are not kept: OpenAI sends none, and Anthropic repeats each one as the <c>type</c> of its data.
/// </summary>
internal sealed class SseReader(UpstreamBody body) : IAsyncDisposable
{
    /// <summary>No legitimate event line comes near this; a longer one means a broken or hostile upstream.</summary>
    private const int MaxLineBytes = 1024 * 1024;

    private byte[] _buffer = new byte[8192];
    private int _start;
    private int _end;
    private bool _ended;
    private bool _skipLineFeed;

    /// <summary>
    /// The data of the next event. Both APIs close a stream with an end marker, and the caller stops reading there;
    /// a body that ends first was cut off, and so may be the answer, which is an <see cref="UpstreamFailure.Error"/>.
    /// </summary>
    public async ValueTask<string> ReadDataAsync()
    {
        StringBuilder? data = null;
        while (await ReadLineAsync() is { } line)
        {
            if (line.Length == 0 && data is not null)
            {
                return data.ToString();
            }
            if (line == "data" || line.StartsWith("data:", StringComparison.Ordinal))
            {
                var value = line.AsSpan(Math.Min(5, line.Length));
                (data is null ? data = new StringBuilder() : data.Append('\n')).Append(value.StartsWith(" ") ? value[1..] : value);
            }
        }
        // An event the body ends in without its blank line still counts: it may be the end marker.
        return data?.ToString()
            ?? throw new UpstreamException(UpstreamFailure.Error, "The upstream's stream ended before its end marker.");
    }

    public ValueTask DisposeAsync() => body.DisposeAsync();

    private async ValueTask<string?> ReadLineAsync()
    {
        while (true)
        {
            if (TryTakeLine(out var line))
            {
                return line;
            }
            if (_ended)
            {
                return null;
            }
            await FillAsync();
        }
    }

    private bool TryTakeLine(out string? line)
    {
        if (_skipLineFeed && _start < _end)
        {
            _start += _buffer[_start] == (byte)'\n' ? 1 : 0;
            _skipLineFeed = false;
        }
        var pending = _buffer.AsSpan(_start, _end - _start);
        var end = pending.IndexOfAny((byte)'\r', (byte)'\n');
        if (end < 0 && !(_ended && pending.Length > 0))
        {
            line = null;
            return false;
        }
        end = end < 0 ? pending.Length : end;
        // Line breaks are ASCII and never occur inside a multi-byte UTF-8 character, so a whole line decodes alone.
        line = Encoding.UTF8.GetString(pending[..end]);
        _skipLineFeed = end < pending.Length && pending[end] == (byte)'\r';
        _start += Math.Min(end + 1, pending.Length);
        return true;
    }

    private async ValueTask FillAsync()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= MaxLineBytes)
            {
                throw new UpstreamException(UpstreamFailure.Error, "The upstream sent an event line longer than this client accepts.");
            }
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        var read = await body.ReadAsync(_buffer.AsMemory(_end));
        _ended = read == 0;
        _end += read;
    }
}
