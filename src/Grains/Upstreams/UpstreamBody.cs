using System.Buffers;
using System.Net.Http.Headers;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace TenantChat.Grains.Upstreams;

/// <summary>
/// An upstream response whose headers are in and whose body is read under an idle limit: any one read may wait
/// at most the timeout, so a stream that stalls fails while one that keeps sending may take as long as it needs.
/// The HttpClient's per-attempt timeout policy covers only the wait for the headers, because with
/// <see cref="HttpCompletionOption.ResponseHeadersRead"/> its handlers return as soon as they arrive.
/// </summary>
internal sealed class UpstreamBody : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly Stream _stream;
    private readonly TimeSpan _idleTimeout;
    private readonly CancellationToken _cancellationToken;
    private CancellationTokenSource _idle;

    private UpstreamBody(HttpResponseMessage response, Stream stream, TimeSpan idleTimeout, CancellationToken cancellationToken)
    {
        _response = response;
        _stream = stream;
        _idleTimeout = idleTimeout;
        _cancellationToken = cancellationToken;
        _idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    }

    public HttpContentHeaders Headers => _response.Content.Headers;

    /// <summary>
    /// Sends <paramref name="message"/>; every failure, including a non-success status, is an <see cref="UpstreamException"/>.
    /// </summary>
    public static async Task<UpstreamBody> SendAsync(
        HttpClient http, HttpRequestMessage message, TimeSpan idleTimeout, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (TimeoutRejectedException e)
        {
            throw new UpstreamException(UpstreamFailure.Timeout, "The upstream did not answer in time.", e);
        }
        catch (BrokenCircuitException e)
        {
            throw new UpstreamException(UpstreamFailure.Unavailable, "The upstream is failing; calls are paused.", e);
        }
        catch (HttpRequestException e)
        {
            throw new UpstreamException(UpstreamFailure.Error, "The upstream could not be reached.", e);
        }
        if (!response.IsSuccessStatusCode)
        {
            // The error body is not read: upstreams may quote the request back in it.
            var status = (int)response.StatusCode;
            response.Dispose();
            throw new UpstreamException(UpstreamFailure.Error, $"The upstream answered {status}.");
        }
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            return new UpstreamBody(response, stream, idleTimeout, cancellationToken);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Reads what has arrived, waiting at most the idle timeout for it; 0 at the end of the body.</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> buffer)
    {
        _idle.CancelAfter(_idleTimeout);
        try
        {
            return await _stream.ReadAsync(buffer, _idle.Token);
        }
        catch (OperationCanceledException e) when (!_cancellationToken.IsCancellationRequested)
        {
            throw new UpstreamException(UpstreamFailure.Timeout, "The upstream stopped sending in the middle of its answer.", e);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new UpstreamException(UpstreamFailure.Error, "The upstream connection broke in the middle of its answer.", e);
        }
        finally
        {
            // Disarm the timer so time the caller spends between reads is never counted against the upstream.
            if (!_idle.TryReset())
            {
                _idle.Dispose();
                _idle = CancellationTokenSource.CreateLinkedTokenSource(_cancellationToken);
            }
        }
    }

    /// <summary>The whole rest of the body.</summary>
    public async Task<ReadOnlyMemory<byte>> ReadToEndAsync()
    {
        using var content = new MemoryStream();
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await ReadAsync(buffer)) > 0)
            {
                content.Write(buffer, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return content.GetBuffer().AsMemory(0, (int)content.Length);
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _response.Dispose();
        _idle.Dispose();
    }
}
