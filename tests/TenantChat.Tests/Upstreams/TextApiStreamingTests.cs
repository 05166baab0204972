using System.Text;
using TenantChat.Grains.Upstreams;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Upstreams;

public sealed class TextApiStreamingTests
{
    private const string Answer = "Grüße aus 東京 😀 — fin.";

    private static readonly UpstreamRequest Request = new("s", [], "hello", "m", 7, 100);

    /// <summary>The answer's UTF-8 bytes cut inside "ü", inside "東" and inside the emoji.</summary>
    private static byte[][] SplitInsideCharacters()
    {
        var bytes = Encoding.UTF8.GetBytes(Answer);
        int[] cuts = [3, 13, 20, bytes.Length];
        var pieces = new List<byte[]>();
        var start = 0;
        foreach (var cut in cuts)
        {
            pieces.Add(bytes[start..cut]);
            start = cut;
        }
        return [.. pieces];
    }

    [Fact]
    public async Task Streamed_deltas_concatenate_to_the_body_even_when_reads_split_characters()
    {
        var pieces = SplitInsideCharacters();
        Assert.Throws<DecoderFallbackException>(() => new UTF8Encoding(false, true).GetString(pieces[0]));
        await using var server = await RecordingServer.StartAsync(context => RecordingServer.SendPiecesAsync(context, "text/plain", pieces));
        var client = UpstreamClients.Create("text", server.BaseUrl);

        var chunks = await client.StreamAsync(Request).ToListAsync();
        var complete = await client.CompleteAsync(Request);

        Assert.Equal(Answer, string.Concat(chunks.Select(chunk => chunk.Delta)));
        Assert.Equal(Answer, complete.Text);
        Assert.True(chunks.Count > 1, "the body should arrive in several reads");
        Assert.DoesNotContain(chunks, chunk => chunk.Delta.Contains('\uFFFD', StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_declared_charset_other_than_utf8_is_honoured()
    {
        var latin1 = Encoding.Latin1;
        await using var server = await RecordingServer.StartAsync(context =>
            RecordingServer.SendPiecesAsync(context, "text/plain; charset=iso-8859-1", latin1.GetBytes("Grüße")));
        var client = UpstreamClients.Create("text", server.BaseUrl);

        var reply = await client.CompleteAsync(Request);

        Assert.Equal("Grüße", reply.Text);
    }

    [Fact]
    public async Task A_body_that_stalls_after_its_first_piece_times_out()
    {
        await using var server = await RecordingServer.StartAsync(async context =>
        {
            await RecordingServer.SendPiecesAsync(context, "text/plain", "The beginning");
            await RecordingServer.StallAsync(context);
        });
        var client = UpstreamClients.Create("text", server.BaseUrl, timeoutSeconds: 0.5);

        var (received, failure) = await client.StreamAsync(Request).ReadUntilFailureAsync();

        Assert.Equal(UpstreamFailure.Timeout, failure.Failure);
        Assert.Equal(["The beginning"], received);
    }

    [Fact]
    public async Task Headers_that_never_come_time_out_on_every_attempt()
    {
        await using var server = await RecordingServer.StartAsync(RecordingServer.StallAsync);
        var client = UpstreamClients.Create("text", server.BaseUrl, timeoutSeconds: 0.5, maxRetries: 1);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var failure = await Assert.ThrowsAsync<UpstreamException>(() => client.StreamAsync(Request).ToListAsync().AsTask());

        Assert.Equal(UpstreamFailure.Timeout, failure.Failure);
        // Two attempts of 0.5 s each; counting requests at the server instead would race a cold server's start.
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), $"took {clock.Elapsed}, so the attempt was not retried");
    }
}
