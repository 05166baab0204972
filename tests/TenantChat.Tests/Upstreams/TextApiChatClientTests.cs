using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TenantChat.Fakes;
using TenantChat.Grains.Models;
using TenantChat.Grains.Upstreams;

namespace TenantChat.Tests.Upstreams;

public sealed class TextApiChatClientTests
{
    private static UpstreamRequest Request(string system, string prompt = "hello") =>
        new(system, [], prompt, "openai", 7, 100);

    private static IChatClient Client(FakeUpstream fake, int breakAfter)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ai:Provider"] = "text",
            ["Ai:BaseUrl"] = fake.BaseUrl.ToString(),
            // Only 500s are tested here; a short timeout let a cold first request time out before the fake saw it.
            ["Ai:TimeoutSeconds"] = "10",
            ["Ai:MaxRetries"] = "1",
            ["Ai:CircuitBreakerFailures"] = breakAfter.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Ai:CircuitBreakSeconds"] = "30",
        }).Build();
        return new ServiceCollection().AddChatUpstream(configuration).BuildServiceProvider().GetRequiredService<IChatClient>();
    }

    [Fact]
    public void The_query_carries_system_model_and_seed_each_percent_encoded()
    {
        var path = TextApiChatClient.BuildPathAndQuery(new UpstreamRequest("a&b=c #1", [], "x/y", "m?1", 42, 10));

        Assert.Equal("x%2Fy?system=a%26b%3Dc%20%231&model=m%3F1&seed=42", path);
    }

    [Fact]
    public void Earlier_turns_travel_as_a_transcript_before_the_prompt()
    {
        var path = TextApiChatClient.BuildPathAndQuery(new UpstreamRequest("s", [new ConversationTurn("Hi", "Hello!")], "Bye", "m", null, 10));

        Assert.StartsWith(Uri.EscapeDataString("User: Hi\nAssistant: Hello!\nUser: Bye"), path.Replace("%2E", ".", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("seed=", path, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_repeated_failures_the_circuit_opens_and_calls_stop_reaching_the_upstream()
    {
        await using var fake = await FakeUpstream.StartAsync();
        var client = Client(fake, breakAfter: 4);
        var system = $"[fake:500] breaker {Guid.NewGuid():N}";

        for (var i = 0; i < 2; i++)
        {
            var failure = await Assert.ThrowsAsync<UpstreamException>(() => client.CompleteAsync(Request(system)));
            Assert.Equal(UpstreamFailure.Error, failure.Failure);
        }
        var attemptsBeforeOpen = fake.CallsFor(system).Count;
        var open = await Assert.ThrowsAsync<UpstreamException>(() => client.CompleteAsync(Request(system)));

        Assert.Equal(4, attemptsBeforeOpen);
        Assert.Equal(UpstreamFailure.Unavailable, open.Failure);
        Assert.Equal(attemptsBeforeOpen, fake.CallsFor(system).Count);
    }

    [Fact]
    public async Task A_client_error_is_not_retried()
    {
        await using var fake = await FakeUpstream.StartAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ai:Provider"] = "text",
            // A base path the fake does not serve: every request is a 404.
            ["Ai:BaseUrl"] = new Uri(fake.BaseUrl, "/elsewhere/").ToString(),
        }).Build();
        var client = new ServiceCollection().AddChatUpstream(configuration).BuildServiceProvider().GetRequiredService<IChatClient>();

        var failure = await Assert.ThrowsAsync<UpstreamException>(() => client.CompleteAsync(Request("s")));

        Assert.Equal(UpstreamFailure.Error, failure.Failure);
        Assert.DoesNotContain("elsewhere", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_provider_fails_at_start_up_with_a_clear_message()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Ai:Provider"] = "nope" }).Build();

        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddChatUpstream(configuration));

        Assert.Contains("Ai:Provider", error.Message, StringComparison.Ordinal);
    }
}
