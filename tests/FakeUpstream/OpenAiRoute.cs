using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace TenantChat.Fakes;

/// <summary>
/// <c>POST /v1/chat/completions</c> in the shape of an OpenAI-compatible API, non-streaming only: the answer is the
/// text API's, for the same system message and prompt. The benchmark sends peers (a plain gateway, a bare reverse
/// proxy) here, since they speak this API and not the text one.
/// </summary>
public static class OpenAiRoute
{
    public const string Path = "/v1/chat/completions";

    public static async Task AnswerAsync(HttpContext context, int delayMs)
    {
        string? system = null, prompt = null, model = null;
        using (var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))
        {
            var root = body.RootElement;
            model = root.TryGetProperty("model", out var m) ? m.GetString() : null;
            if (root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
            {
                foreach (var message in messages.EnumerateArray())
                {
                    var role = message.GetProperty("role").GetString();
                    var content = message.GetProperty("content").GetString();
                    if (role == "system")
                    {
                        system = content;
                    }
                    else if (role == "user")
                    {
                        prompt = content;
                    }
                }
            }
        }
        if (prompt is null)
        {
            context.Response.StatusCode = 400;
            return;
        }
        if (delayMs > 0)
        {
            await Task.Delay(delayMs);
        }
        var answer = FakeUpstream.Answer(system ?? "", prompt);
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteString("id", "chatcmpl-" + Guid.NewGuid().ToString("N"));
        writer.WriteString("object", "chat.completion");
        writer.WriteNumber("created", DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        writer.WriteString("model", model ?? "fake");
        writer.WriteStartArray("choices");
        writer.WriteStartObject();
        writer.WriteNumber("index", 0);
        writer.WriteStartObject("message");
        writer.WriteString("role", "assistant");
        writer.WriteString("content", answer);
        writer.WriteEndObject();
        writer.WriteString("finish_reason", "stop");
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteStartObject("usage");
        // Rough counts, a word a token: the benchmark's peers only pass them on.
        var promptTokens = Words(system) + Words(prompt);
        var completionTokens = Words(answer);
        writer.WriteNumber("prompt_tokens", promptTokens);
        writer.WriteNumber("completion_tokens", completionTokens);
        writer.WriteNumber("total_tokens", promptTokens + completionTokens);
        writer.WriteEndObject();
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted);
    }

    private static int Words(string? text) => text?.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length ?? 0;
}
