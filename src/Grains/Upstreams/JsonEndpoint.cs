using System.Net.Http.Headers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace TenantChat.Grains.Upstreams;

/// <summary>One POST endpoint of a JSON chat API, called for a whole answer or for a stream of server-sent events.</summary>
internal sealed class JsonEndpoint(HttpClient http, string path, AiOptions options)
{
    /// <summary>Non-ASCII text as itself rather than \u escapes: the body never lands in HTML, and stays a third the size.</summary>
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly Uri _path = new(path, UriKind.Relative);
    private readonly TimeSpan _idleTimeout = TimeSpan.FromSeconds(options.TimeoutSeconds);

    /// <summary>Posts what <paramref name="writeBody"/> writes and reads the answer with <paramref name="readAnswer"/>.</summary>
    public async Task<T> PostAsync<T>(Action<Utf8JsonWriter> writeBody, Func<JsonElement, T> readAnswer, CancellationToken cancellationToken)
    {
        await using var body = await SendAsync(writeBody, cancellationToken);
        return UpstreamJson.Read(await body.ReadToEndAsync(), readAnswer);
    }

    /// <summary>Posts what <paramref name="writeBody"/> writes and returns the answer's events as they come.</summary>
    public async Task<SseReader> StreamAsync(Action<Utf8JsonWriter> writeBody, CancellationToken cancellationToken) =>
        new(await SendAsync(writeBody, cancellationToken));

    private async Task<UpstreamBody> SendAsync(Action<Utf8JsonWriter> writeBody, CancellationToken cancellationToken)
    {
        var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json, WriterOptions))
        {
            writeBody(writer);
        }
        // Bytes rather than a stream, so that a retry can send the same content again.
        var content = new ByteArrayContent(json.GetBuffer(), 0, (int)json.Length);
        content.Headers.ContentType = Json;
        using var message = new HttpRequestMessage(HttpMethod.Post, _path) { Content = content };
        return await UpstreamBody.SendAsync(http, message, _idleTimeout, cancellationToken);
    }
}
