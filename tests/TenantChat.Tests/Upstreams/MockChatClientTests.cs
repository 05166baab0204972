using TenantChat.Grains.Upstreams;

namespace TenantChat.Tests.Upstreams;

public sealed class MockChatClientTests
{
    private readonly MockChatClient _mock = new();

    [Fact]
    public async Task The_same_request_always_gets_the_same_answer()
    {
        var request = new UpstreamRequest("Explain things like I'm five", [], "Why is the sky blue?", "mock-1", 42, 200);

        var first = await _mock.CompleteAsync(request);
        var second = await _mock.CompleteAsync(request);

        Assert.Equal(first.Text, second.Text);
        Assert.Contains("Why is the sky blue", first.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_system_parameter_shapes_the_answer_without_appearing_in_it()
    {
        var child = await _mock.CompleteAsync(new UpstreamRequest("Explain things like I'm five", [], "What is rain?", "mock-1", 1, 200));
        var formal = await _mock.CompleteAsync(new UpstreamRequest("You are a formal support agent", [], "What is rain?", "mock-1", 1, 200));

        Assert.NotEqual(child.Text, formal.Text);
        Assert.DoesNotContain("like I'm five", child.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("formal support agent", formal.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_different_seed_can_change_the_answer()
    {
        var answers = new HashSet<string>();
        for (var seed = 0; seed < 10; seed++)
        {
            answers.Add((await _mock.CompleteAsync(new UpstreamRequest("s", [], "p", "mock-1", seed, 200))).Text);
        }

        Assert.True(answers.Count > 1);
    }

    [Fact]
    public async Task Streaming_yields_the_same_answer_word_by_word()
    {
        var request = new UpstreamRequest("Explain things like I'm five", [], "Why is the sky blue?", "mock-1", 42, 200);

        var complete = await _mock.CompleteAsync(request);
        var chunks = await _mock.StreamAsync(request).ToListAsync();

        Assert.Equal(complete.Text, string.Concat(chunks.Select(chunk => chunk.Delta)));
        Assert.Equal(complete.Text.Split(' ').Length, chunks.Count);
        Assert.All(chunks.Skip(1), chunk => Assert.StartsWith(" ", chunk.Delta, StringComparison.Ordinal));
    }
}
